// The staff shell: one page for the console and the administration (/console/...,
// /admin), on Vue 3 and Element Plus loaded as ES modules through the page's import map
// (written in by the hub and allowed by its hash). Views are render functions: the
// policy has no 'unsafe-eval', which Vue's template compiler would need.
//
// This module is the page's composition root: the API client, the user (GET /me:
// permissions, the roles they may grant, whether they must change their password),
// the router, the layout and navigation. Views get all of it as `hub` (inject).
import { computed, createApp, defineAsyncComponent, h, provide, reactive, watch } from "vue";
import ElementPlus, {
  ElAside, ElButton, ElConfigProvider, ElContainer, ElDrawer, ElHeader, ElMain, ElMenu, ElMenuItem,
  ElMessage, ElResult, ElTag,
} from "element-plus";
import zhCn from "element-plus/locale/zh-cn";
import en from "element-plus/locale/en";
import { createApi } from "../lib/api.js";
import { hasKey as tableHas, pageI18n } from "../lib/i18n.js";
import { clearStaffToken, saveStaffToken, staffToken } from "../lib/session.js";
import { home, match, mayOpen, navItems, pathOf } from "./router.js";
import strings from "./strings.js";
import { errorText, tid, usePhone } from "./ui.js";
import { LoginView } from "./views/login.js";
import { PasswordView } from "./views/password.js";
import { CasesView } from "./views/cases.js";
import { CaseView } from "./views/case.js";
import { RoomsView } from "./views/rooms.js";
import { RecordingsView } from "./views/recordings.js";
import { RecordingView } from "./views/recording.js";
import { OrganisationsView } from "./views/organisations.js";
import { UsersView } from "./views/users.js";
import { AuditView } from "./views/audit.js";
import { CamerasView } from "./views/cameras.js";
import { CommandView } from "./views/command.js";

const VIEWS = {
  cases: CasesView, case: CaseView, rooms: RoomsView, recordings: RecordingsView,
  recording: RecordingView, organisations: OrganisationsView, users: UsersView, audit: AuditView,
  cameras: CamerasView, password: PasswordView,
  command: CommandView,
  // loaded when first opened: it brings ECharts (1 MB), which no other view needs
  dashboard: defineAsyncComponent({
    loader: () => import("./views/dashboard.js").then((m) => m.DashboardView),
    loadingComponent: { render: () => h("div", { class: "view-loading" }, t("loading")) },
    delay: 200,
    timeout: 60000,
    // a slow or broken network: say so, never a blank page
    errorComponent: {
      render: () => h(ElResult, { icon: "error", title: t("view_load_failed"), ...tid("view-load-failed") }, {
        extra: () => h(ElButton, { type: "primary", onClick: () => location.reload() }, () => t("reload")),
      }),
    },
  }),
};
// a wall screen's statistics (/dashboard?kiosk=1): the view alone, no bar or navigation
const KIOSK_VIEWS = new Set(["dashboard"]);
const kiosk = () => new URLSearchParams(location.search).get("kiosk") === "1" && KIOSK_VIEWS.has(match(location.pathname).name);

const { lang, t } = pageI18n(strings);
const hasKey = (key) => tableHas(strings, key);

function createHub() {
  const hub = reactive({
    lang,
    t,
    hasKey,
    me: null,
    route: match(location.pathname),
    menuOpen: false,
  });
  const raw = createApi({ token: staffToken, onUnauthorized: () => hub.logout(false) });
  // every call: a password an administrator set must be changed first
  const guard = (method) => async (...args) => {
    try {
      return await raw[method](...args);
    } catch (err) {
      if (err.code === "password_change_required" && hub.me) {
        hub.me.mustChangePassword = true;
        hub.navigate(pathOf("password"));
      }
      throw err;
    }
  };
  hub.api = { get: guard("get"), post: guard("post"), put: guard("put"), del: guard("del"),
    request: guard("request"), patch: (path, body) => guard("request")("PATCH", path, body) };
  hub.navigate = (path, { replace = false } = {}) => {
    if (path !== location.pathname + location.search) {
      history[replace ? "replaceState" : "pushState"](null, "", path);
    }
    hub.route = match(location.pathname);
    hub.menuOpen = false;
    window.scrollTo(0, 0);
  };
  hub.go = (name, params) => hub.navigate(pathOf(name, params));
  hub.fail = (err) => {
    console.warn(err);
    ElMessage({ type: "error", message: errorText(t, hasKey, err, lang), showClose: true, duration: 6000 });
  };
  hub.done = (message) => ElMessage({ type: "success", message, duration: 2500 });
  hub.may = (action) => Boolean(hub.me && hub.me.permissions.includes(action));
  hub.load = async () => {
    hub.me = await raw.get("/me");
    if (hub.me.mustChangePassword && hub.route.name !== "password") hub.navigate(pathOf("password"), { replace: true });
    else if (!hub.route.name) hub.navigate(pathOf(home(hub.me.permissions)), { replace: true });
  };
  hub.logout = async (tell = true) => {
    if (tell) await raw.post("/logout").catch(() => {}); // ends the session on the server too
    clearStaffToken();
    hub.me = null;
    if (tell) hub.done(t("logged_out"));
  };
  hub.login = async (username, password) => {
    const data = await raw.post("/login", { username, password });
    saveStaffToken(data.token);
    await hub.load();
  };
  window.addEventListener("popstate", () => { hub.route = match(location.pathname); });
  return hub;
}

const Shell = {
  name: "StaffShell",
  setup() {
    const hub = createHub();
    const phone = usePhone();
    hub.phone = phone;
    provide("hub", hub);
    const title = computed(() => (hub.route.section ? t(`nav_${hub.route.section}`) : t("title")));
    watch(title, (value) => { document.title = `${value} · ${t("title")}`; }, { immediate: true });
    if (staffToken()) hub.load().catch((err) => { if (err.status !== 401) hub.fail(err); hub.logout(false); });
    window.hub = { state: hub }; // diagnostics and the browser tests

    const menu = () => {
      const locked = hub.me.mustChangePassword;
      return h(ElMenu, {
        class: "nav",
        defaultActive: hub.route.section || "",
        onSelect: (name) => hub.go(name),
        ...tid("nav"),
      }, () => navItems(hub.me.permissions).map((item) => h(ElMenuItem, {
        index: item.name,
        disabled: locked && item.name !== "password",
        ...tid(`nav-${item.name}`),
      }, () => t(`nav_${item.name}`))));
    };

    const header = () => h(ElHeader, { class: "bar", height: "auto" }, () => [
      phone.value ? h(ElButton, { class: "menu-button", text: true, onClick: () => { hub.menuOpen = true; },
        ...tid("menu"), "aria-label": t("menu") }, () => `☰ ${t("menu")}`) : null,
      h("strong", { class: "brand" }, t("title")),
      h("span", { class: "who" }, hub.me ? [
        h("span", { class: "who-name", ...tid("who") }, hub.me.name),
        phone.value ? null : h(ElTag, { class: "who-role", effect: "plain", disableTransitions: true }, () => t(hub.me.role)),
      ] : null),
      hub.me && !phone.value ? h(ElButton, { class: "logout", onClick: () => hub.logout(), ...tid("logout") }, () => t("logout")) : null,
    ]);

    const view = () => {
      const route = hub.route;
      if (!route.name) return h("div", { class: "view-loading" }, t("loading"));
      if (route.name === "not_found") {
        return h(ElResult, { icon: "warning", title: t("page_not_found") }, {
          extra: () => h(ElButton, { type: "primary", onClick: () => hub.go(home(hub.me.permissions)) }, () => t("go_home")),
        });
      }
      if (!mayOpen(route.name, hub.me.permissions)) {
        return h(ElResult, { icon: "error", title: t("page_forbidden"), ...tid("forbidden-page") }, {
          extra: () => h(ElButton, { type: "primary", onClick: () => hub.go(home(hub.me.permissions)) }, () => t("go_home")),
        });
      }
      const name = hub.me.mustChangePassword ? "password" : route.name;
      return h(VIEWS[name], { key: location.pathname, params: route.params });
    };

    return () => h(ElConfigProvider, { locale: lang === "en" ? en : zhCn }, () => {
      if (!hub.me) {
        return h("div", { class: "shell logged-out" }, [
          h(ElHeader, { class: "bar", height: "auto" }, () => h("strong", { class: "brand" }, t("title"))),
          staffToken() ? h("div", { class: "view-loading" }, t("loading")) : h(LoginView),
        ]);
      }
      if (kiosk()) return h("div", { class: "shell kiosk-shell" }, view());
      return h(ElContainer, { class: "shell", direction: "vertical" }, () => [
        header(),
        h(ElContainer, null, () => [
          phone.value ? h(ElDrawer, {
            modelValue: hub.menuOpen,
            "onUpdate:modelValue": (v) => { hub.menuOpen = v; },
            direction: "ltr",
            size: "78%",
            title: `${hub.me.name} · ${t(hub.me.role)}`,
          }, () => [menu(), h(ElButton, { class: "drawer-logout", onClick: () => hub.logout(), ...tid("logout") },
            () => t("logout"))]) : h(ElAside, { width: "210px", class: "aside" }, () => menu()),
          h(ElMain, { class: "main" }, () => view()),
        ]),
      ]);
    });
  },
};

try {
  const app = createApp(Shell);
  app.use(ElementPlus);
  app.config.errorHandler = (err) => {
    console.error(err);
    ElMessage({ type: "error", message: t("error"), showClose: true });
  };
  app.mount("#app");
  document.getElementById("splash").remove();
  if (window.hubShell) window.hubShell.loaded();
} catch (err) {
  console.error(err);
  if (window.hubShell) window.hubShell.failed();
}
