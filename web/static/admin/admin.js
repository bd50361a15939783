// Administration: the organisation tree and users of my subtree (admins only).
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const token = sessionStorage.getItem("hub-token");
  const LEVEL = { city: "市", township: "镇街", community: "社区" };

  async function api(method, path, body) {
    const response = await fetch(`/api/v1${path}`, {
      method,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data.error?.message || "error");
    return data;
  }

  function fail(err) {
    $("error").hidden = false;
    $("error").textContent = err.message;
  }

  async function load() {
    const [me, orgs, users] = await Promise.all([api("GET", "/me"), api("GET", "/organisations"), api("GET", "/users")]);
    $("who").textContent = me.name;
    const byId = new Map(orgs.map((o) => [o.id, o]));
    const depth = (o) => (o.parentId && byId.has(o.parentId) ? depth(byId.get(o.parentId)) + 1 : 0);
    $("tree").replaceChildren(...orgs.map((o) => {
      const li = document.createElement("li");
      li.style.marginLeft = `${depth(o) * 1.5}em`;
      li.textContent = `${o.name}（${LEVEL[o.level] || o.level} · ${o.code}）`;
      return li;
    }));
    for (const select of document.querySelectorAll("[name=parentId], [name=organisationId]")) {
      select.replaceChildren(...orgs.map((o) => new Option(o.name, o.id)));
    }
    $("users").replaceChildren(...users.map((u) => {
      const tr = document.createElement("tr");
      for (const value of [u.username, u.name, u.role, byId.get(u.organisationId)?.name || ""]) {
        const td = document.createElement("td");
        td.textContent = value;
        tr.appendChild(td);
      }
      return tr;
    }));
    $("admin").hidden = false;
  }

  for (const [form, path] of [["new-org", "/organisations"], ["new-user", "/users"]]) {
    $(form).addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await api("POST", path, Object.fromEntries(new FormData(event.target)));
        event.target.reset();
        $("error").hidden = true;
        await load();
      } catch (err) {
        fail(err);
      }
    });
  }

  if (!token) $("need-login").hidden = false;
  else load().catch(fail);
})();
