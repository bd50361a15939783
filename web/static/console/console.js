// Staff console: log in, the cases of my subtree, a case page (status actions, open a
// room, invite parties with link/QR/code, join as mediator). What the user may do on a
// case (its next statuses, rooms, invitations, recordings) comes from the server.
import { createApi } from "../lib/api.js";
import { byId as $, el } from "../lib/dom.js";
import { hasKey, pageI18n } from "../lib/i18n.js";
import { clearStaffToken, saveStaffToken, staffToken } from "../lib/session.js";
import strings from "./strings.js";

const { t, apply } = pageI18n(strings);
const api = createApi({ token: staffToken, onUnauthorized: () => logout() });
let currentCase = null;
let currentRoom = null;
let qrUrl = null;

apply();

function show(id) {
  for (const section of ["login", "list", "case"]) $(section).hidden = section !== id;
}

function logout() {
  clearStaffToken();
  $("logout").hidden = true;
  $("who").textContent = "";
  show("login");
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const data = await api.post("/login", { username: form.get("username"), password: form.get("password") });
    saveStaffToken(data.token);
    $("login-error").hidden = true;
    await start();
  } catch (err) {
    $("login-error").hidden = false;
    $("login-error").textContent = hasKey(strings, err.code) ? t(err.code) : err.message;
  }
});
$("logout").onclick = async () => {
  await api.post("/logout").catch(() => {}); // ends the session on the server too
  logout();
};
$("back").onclick = () => listCases();

async function start() {
  const me = await api.get("/me");
  $("who").textContent = me.name;
  $("logout").hidden = false;
  document.querySelector("[name=severity]").replaceChildren(
    ...me.severityLevels.map((level) => new Option(t(level), level)));
  const orgs = await api.get("/organisations");
  document.querySelector("[name=organisationId]").replaceChildren(...orgs.map((o) => new Option(o.name, o.id)));
  await listCases();
}

async function listCases() {
  show("list");
  const page = await api.get("/cases?per_page=100");
  const rows = page.items.map((c) => {
    const severity = el("td", {}, el("span", { className: `sev ${c.severity}` }), t(c.severity));
    const tr = el("tr", { dataset: { caseId: c.id, testid: "case-row" }, onclick: () => openCase(c.id) },
      el("td", { text: c.number }), el("td", { text: c.title }), el("td", { text: c.type }),
      severity, el("td", { text: t(c.status) }));
    return tr;
  });
  $("case-rows").replaceChildren(...rows);
  $("no-cases").hidden = rows.length > 0;
}

$("new-case").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const party = form.get("party");
  const created = await api.post("/cases", {
    organisationId: form.get("organisationId"), type: form.get("type"), title: form.get("title"),
    severity: form.get("severity"), parties: party ? [{ name: party, phone: form.get("phone") }] : [],
  });
  await openCase(created.id);
});

async function openCase(id) {
  currentCase = await api.get(`/cases/${encodeURIComponent(id)}`);
  const may = (action) => (currentCase.permissions || []).includes(action);
  show("case");
  $("case-heading").textContent = `${currentCase.number} ${currentCase.title}`;
  const mediators = await api.get("/mediators");
  const assigned = mediators.find((m) => m.id === currentCase.mediatorId);
  $("case-meta").textContent = `${currentCase.type} · ${t(currentCase.severity)} · ${t(currentCase.status)}` +
    ` · ${t("mediator")}: ${assigned ? assigned.name : t("unassigned")}`;
  $("assign-mediator").replaceChildren(...mediators.map((m) => new Option(m.name, m.id)));
  $("assign-row").hidden = !may("case.transition");
  $("case-parties").replaceChildren(
    ...currentCase.parties.map((p) => el("li", { text: `${p.name} ${p.phone || ""}` })));
  $("case-history").replaceChildren(...currentCase.history.map((h) =>
    el("li", { text: `${t(h.from)} → ${t(h.to)} (${new Date(h.at).toLocaleString()})` })));
  $("transitions").replaceChildren(...(currentCase.allowedTransitions || []).map((to) =>
    el("button", {
      text: `${t("move_to")} ${t(to)}`,
      dataset: { testid: `transition-${to}` },
      onclick: async () => {
        await api.post(`/cases/${encodeURIComponent(currentCase.id)}/transition`, { to });
        await openCase(currentCase.id);
      },
    })));
  $("rooms-section").hidden = !may("room.create");
  $("room-panel").hidden = true;
  $("invitation").hidden = true;
  $("recordings-section").hidden = !may("recording.view");
  if (may("recording.view")) await listRecordings(currentCase.id);
}

async function listRecordings(caseId) {
  const recordings = await api.get(`/recordings?caseId=${encodeURIComponent(caseId)}`).catch((err) => {
    console.warn("recordings", err);
    return [];
  });
  $("case-recordings").replaceChildren(...(recordings.length ? recordings : [null]).map((r) => {
    if (!r) return el("li", { text: t("no_recordings") });
    const text = `${new Date(r.startedAt * 1000).toLocaleString()} · ${Math.round(r.durationS)} s · ` +
      t(r.state === "recording" ? "recording_now" : r.state) + (r.legalHold ? ` · ${t("legal_hold")}` : "");
    return el("li", {}, el("a", {
      href: `/console/recordings/${encodeURIComponent(r.id)}`, dataset: { testid: "recording-link" }, text,
    }));
  }));
}

$("assign").onclick = async () => {
  await api.post(`/cases/${encodeURIComponent(currentCase.id)}/assign`, { mediatorId: $("assign-mediator").value });
  await openCase(currentCase.id);
};

$("open-room").onclick = async () => {
  currentRoom = await api.post(`/cases/${encodeURIComponent(currentCase.id)}/rooms`);
  $("room-panel").hidden = false;
  $("room-name").textContent = currentRoom.name;
};

const invite = (name, role) => api.post(`/rooms/${encodeURIComponent(currentRoom.id)}/invitations`, { name, role });

$("invite").onclick = async () => {
  const name = $("invite-name").value.trim();
  if (!name) return;
  const invitation = await invite(name, "party");
  $("invitation").hidden = false;
  $("invite-link").textContent = invitation.url;
  $("invite-link").href = invitation.url;
  $("invite-code").textContent = invitation.code;
  const qr = await api.get(`/invitations/${encodeURIComponent(invitation.id)}/qr.png`, { raw: true });
  if (qrUrl) URL.revokeObjectURL(qrUrl);
  qrUrl = URL.createObjectURL(await qr.blob());
  $("invite-qr").src = qrUrl;
};

$("join-room").onclick = async () => {
  // staff enter with their own identity (a seat token for this room), never an invitation
  const seat = await api.post(`/rooms/${encodeURIComponent(currentRoom.id)}/seat`, {});
  window.open(seat.url, "_blank", "noopener");
};

if (staffToken()) start().catch(logout);
else show("login");
