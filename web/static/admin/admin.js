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
    if (response.status === 401) { // expired, logged out, password changed, disabled
      sessionStorage.removeItem("hub-token");
      location.href = "/console";
      throw new Error("session_ended");
    }
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
      const rules = [
        o.recordingRequired === true ? "必须录制" : o.recordingRequired === false ? "录制自选" : "",
        o.retentionDays ? `保存${o.retentionDays}天` : "",
      ].filter(Boolean);
      li.textContent = `${o.name}（${LEVEL[o.level] || o.level} · ${o.code}）${rules.length ? " · " + rules.join(" · ") : ""}`;
      return li;
    }));
    for (const select of document.querySelectorAll("[name=parentId], [name=organisationId], [name=orgId]")) {
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
    await showPolicy();
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

  function describePolicy(p) {
    const e = p.effective;
    const required = e.required ? "案件调解室必须录制 / recording required" : "由调解员决定是否录制 / mediator decides";
    const kept = e.retentionDays ? `保存 ${e.retentionDays} 天 / kept ${e.retentionDays} days` : "永久保存 / kept for good";
    return `现行规则 / in effect: ${required}；${kept}`;
  }

  async function showPolicy() {
    const org = $("recording-policy").elements.orgId.value;
    if (org) $("policy-effective").textContent = describePolicy(await api("GET", `/organisations/${org}/recording-policy`));
  }

  $("recording-policy").elements.orgId.addEventListener("change", () => showPolicy().catch(fail));
  $("recording-policy").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target.elements;
    try {
      const policy = await api("PUT", `/organisations/${form.orgId.value}/recording-policy`, {
        required: form.required.value === "" ? null : form.required.value === "true",
        retentionDays: form.retentionDays.value === "" ? null : Number(form.retentionDays.value),
      });
      $("error").hidden = true;
      $("policy-effective").textContent = describePolicy(policy);
      const selected = form.orgId.value;
      await load();
      form.orgId.value = selected;
    } catch (err) {
      fail(err);
    }
  });

  if (!token) $("need-login").hidden = false;
  else load().catch(fail);
})();
