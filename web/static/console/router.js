// Where the staff shell is: one page for /console/... and /admin/..., routed by URL.
// Pure (no DOM): match(path) names the view and its parameters; navItems(permissions)
// lists the sections a user may open (from GET /api/v1/me's permissions).

export const ROUTES = [
  { name: "cases", path: "/console/cases", permission: "case.view", nav: true },
  { name: "case", path: "/console/cases/:id", permission: "case.view", section: "cases" },
  { name: "rooms", path: "/console/rooms", permission: "case.view", nav: true },
  { name: "recordings", path: "/console/recordings", permission: "recording.view", nav: true },
  { name: "recording", path: "/console/recordings/:id", permission: "recording.view", section: "recordings" },
  { name: "organisations", path: "/console/organisations", permission: "org.manage", nav: true },
  { name: "users", path: "/console/users", permission: "user.manage", nav: true },
  { name: "cameras", path: "/console/cameras", permission: "camera.manage", nav: true },
  { name: "audit", path: "/console/audit", permission: "audit.view", nav: true },
  { name: "command", path: "/command", permission: "wall.view", nav: true },
  { name: "dashboard", path: "/dashboard", permission: "stats.view", nav: true },
  { name: "password", path: "/console/password", permission: null, nav: true },
];

// older addresses, kept working: the console's and the administration page's
const ALIASES = {
  "/console": null, // the first section the user may open
  "/admin": "organisations",
  "/admin/organisations": "organisations",
  "/admin/users": "users",
  "/admin/audit": "audit",
  "/admin/cameras": "cameras",
};

const byName = Object.fromEntries(ROUTES.map((r) => [r.name, r]));

/** {name, params, section} for a pathname; {name: null} at /console; {name: "not_found"}. */
export function match(pathname) {
  const path = pathname.replace(/\/+$/, "") || "/";
  if (Object.prototype.hasOwnProperty.call(ALIASES, path)) {
    const name = ALIASES[path];
    return { name, params: {}, section: name };
  }
  for (const route of ROUTES) {
    const names = [];
    const pattern = new RegExp("^" + route.path.replace(/:(\w+)/g, (_, n) => {
      names.push(n);
      return "([^/]+)";
    }) + "$");
    const found = pattern.exec(path);
    if (found) {
      const params = {};
      names.forEach((n, i) => { params[n] = decodeURIComponent(found[i + 1]); });
      return { name: route.name, params, section: route.section || route.name };
    }
  }
  return { name: "not_found", params: {}, section: null };
}

/** The path of a view: pathOf("case", {id}) -> "/console/cases/<id>". */
export function pathOf(name, params = {}) {
  return byName[name].path.replace(/:(\w+)/g, (_, n) => encodeURIComponent(params[n]));
}

/** May a user with these permissions open this view? */
export function mayOpen(name, permissions) {
  const route = byName[name];
  return Boolean(route) && (!route.permission || permissions.includes(route.permission));
}

/** The sections of the navigation this user may open, in order. */
export const navItems = (permissions) => ROUTES.filter((r) => r.nav && mayOpen(r.name, permissions));

/** Where a user lands at /console: the first section they may open. */
export const home = (permissions) => navItems(permissions)[0].name;
