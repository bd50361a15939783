// Administration: the organisation tree, recording policy and users of my subtree
// (admins only: the API refuses everyone else, and the page says so).
import { createApi } from "../lib/api.js";
import { byId as $, el } from "../lib/dom.js";
import { pageI18n } from "../lib/i18n.js";
import { staffToken, toLogin } from "../lib/session.js";
import strings from "../console/strings.js";
import { createCameraAdmin } from "./cameras.js";

const { t, apply } = pageI18n(strings);
const api = createApi({ token: staffToken, onUnauthorized: toLogin });

apply();

function fail(err) {
  $("error").hidden = false;
  $("error").textContent = err.message;
}

const cameras = createCameraAdmin({ api, t, fail });

/** "东城街道（镇街 · 330101） · 必须录制 · 保存3650天" */
function describeOrg(o) {
  const rules = [
    o.recordingRequired === true ? t("rule_required") : o.recordingRequired === false ? t("rule_optional") : "",
    o.retentionDays ? t("rule_kept", { days: o.retentionDays }) : "",
  ].filter(Boolean);
  return `${o.name}（${t(`level_${o.level}`)} · ${o.code}）${rules.length ? " · " + rules.join(" · ") : ""}`;
}

async function load() {
  const [me, orgs, users] = await Promise.all([api.get("/me"), api.get("/organisations"), api.get("/users")]);
  $("who").textContent = me.name;
  const byId = new Map(orgs.map((o) => [o.id, o]));
  const depth = (o) => (o.parentId && byId.has(o.parentId) ? depth(byId.get(o.parentId)) + 1 : 0);
  $("tree").replaceChildren(...orgs.map((o) => {
    const li = el("li", { text: describeOrg(o) });
    li.style.marginLeft = `${depth(o) * 1.5}em`;
    return li;
  }));
  for (const select of document.querySelectorAll("[name=parentId], [name=organisationId], [name=orgId]")) {
    select.replaceChildren(...orgs.map((o) => new Option(o.name, o.id)));
  }
  $("users").replaceChildren(...users.map((u) => el("tr", {},
    ...[u.username, u.name, t(u.role), byId.get(u.organisationId)?.name || ""].map((text) => el("td", { text })))));
  $("admin").hidden = false;
  await showPolicy();
  await cameras.load(orgs);
}

for (const [form, path] of [["new-org", "/organisations"], ["new-user", "/users"]]) {
  $(form).addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api.post(path, Object.fromEntries(new FormData(event.target)));
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
  return t("policy_in_effect", {
    required: t(e.required ? "policy_required" : "policy_optional"),
    kept: e.retentionDays ? t("policy_kept_days", { days: e.retentionDays }) : t("kept_forever"),
  });
}

async function showPolicy() {
  const org = $("recording-policy").elements.orgId.value;
  if (org) $("policy-effective").textContent = describePolicy(await api.get(`/organisations/${encodeURIComponent(org)}/recording-policy`));
}

$("recording-policy").elements.orgId.addEventListener("change", () => showPolicy().catch(fail));
$("recording-policy").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target.elements;
  try {
    const policy = await api.put(`/organisations/${encodeURIComponent(form.orgId.value)}/recording-policy`, {
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

if (!staffToken()) $("need-login").hidden = false;
else load().catch(fail);
