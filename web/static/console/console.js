// Staff console: log in, the cases of my subtree, a case page (status actions,
// open a room, invite parties with link/QR/code, join as mediator).
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const NEXT = {
    received: ["accepted"], accepted: ["assigned"], assigned: ["mediating"],
    mediating: ["agreed", "failed"], agreed: ["follow-up", "archived"],
    failed: ["follow-up", "archived"], "follow-up": ["archived"], archived: [],
  };
  let token = sessionStorage.getItem("hub-token");
  let currentCase = null;
  let currentRoom = null;

  for (const el of document.querySelectorAll("[data-t]")) el.textContent = ct(el.dataset.t);

  async function api(method, path, body) {
    const response = await fetch(`/api/v1${path}`, {
      method,
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (response.status === 401 && path !== "/login") return logout();
    const data = response.headers.get("content-type")?.includes("json") ? await response.json() : response;
    if (!response.ok) throw new Error(data.error?.code || "error");
    return data;
  }

  function show(id) {
    for (const section of ["login", "list", "case"]) $(section).hidden = section !== id;
  }

  function logout() {
    sessionStorage.removeItem("hub-token");
    token = null;
    $("logout").hidden = true;
    $("who").textContent = "";
    show("login");
  }

  $("login").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      const data = await api("POST", "/login", { username: form.get("username"), password: form.get("password") });
      token = data.token;
      sessionStorage.setItem("hub-token", token);
      await start();
    } catch (err) {
      $("login-error").hidden = false;
      $("login-error").textContent = ct(err.message);
    }
  });
  $("logout").onclick = logout;
  $("back").onclick = () => listCases();

  async function start() {
    const me = await api("GET", "/me");
    $("who").textContent = me.name;
    $("logout").hidden = false;
    document.querySelector("[name=severity]").replaceChildren(
      ...me.severityLevels.map((level) => new Option(ct(level), level)));
    const orgs = await api("GET", "/organisations");
    const select = document.querySelector("[name=organisationId]");
    select.replaceChildren(...orgs.map((o) => new Option(o.name, o.id)));
    await listCases();
  }

  async function listCases() {
    show("list");
    const page = await api("GET", "/cases?per_page=100");
    const rows = page.items.map((c) => {
      const tr = document.createElement("tr");
      tr.dataset.caseId = c.id;
      tr.dataset.testid = "case-row";
      const sev = `<span class="sev ${c.severity}"></span>${ct(c.severity)}`;
      tr.innerHTML = `<td></td><td></td><td></td><td>${sev}</td><td></td>`;
      tr.children[0].textContent = c.number;
      tr.children[1].textContent = c.title;
      tr.children[2].textContent = c.type;
      tr.children[4].textContent = ct(c.status);
      tr.onclick = () => openCase(c.id);
      return tr;
    });
    $("case-rows").replaceChildren(...rows);
    $("no-cases").hidden = rows.length > 0;
  }

  $("new-case").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const party = form.get("party");
    const created = await api("POST", "/cases", {
      organisationId: form.get("organisationId"), type: form.get("type"), title: form.get("title"),
      severity: form.get("severity"), parties: party ? [{ name: party, phone: form.get("phone") }] : [],
    });
    await openCase(created.id);
  });

  async function openCase(id) {
    currentCase = await api("GET", `/cases/${id}`);
    show("case");
    $("case-heading").textContent = `${currentCase.number} ${currentCase.title}`;
    const mediators = await api("GET", "/mediators");
    const assigned = mediators.find((m) => m.id === currentCase.mediatorId);
    $("case-meta").textContent = `${currentCase.type} · ${ct(currentCase.severity)} · ${ct(currentCase.status)}` +
      ` · ${ct("mediator")}: ${assigned ? assigned.name : ct("unassigned")}`;
    $("assign-mediator").replaceChildren(...mediators.map((m) => new Option(m.name, m.id)));
    $("case-parties").replaceChildren(...currentCase.parties.map((p) => {
      const li = document.createElement("li");
      li.textContent = `${p.name} ${p.phone || ""}`;
      return li;
    }));
    $("case-history").replaceChildren(...currentCase.history.map((h) => {
      const li = document.createElement("li");
      li.textContent = `${ct(h.from)} → ${ct(h.to)} (${new Date(h.at).toLocaleString()})`;
      return li;
    }));
    $("transitions").replaceChildren(...(NEXT[currentCase.status] || []).map((to) => {
      const b = document.createElement("button");
      b.textContent = `${ct("move_to")} ${ct(to)}`;
      b.dataset.testid = `transition-${to}`;
      b.onclick = async () => {
        await api("POST", `/cases/${currentCase.id}/transition`, { to });
        await openCase(currentCase.id);
      };
      return b;
    }));
    $("room-panel").hidden = true;
    $("invitation").hidden = true;
    await listRecordings(currentCase.id);
  }

  async function listRecordings(caseId) {
    let recordings = [];
    try {
      recordings = await api("GET", `/recordings?caseId=${encodeURIComponent(caseId)}`);
    } catch (err) {
      // roles without access to recordings (intake, command) see no list
    }
    $("case-recordings").replaceChildren(...(recordings.length ? recordings : [null]).map((r) => {
      const li = document.createElement("li");
      if (!r) {
        li.textContent = ct("no_recordings");
        return li;
      }
      const a = document.createElement("a");
      a.href = `/console/recordings/${encodeURIComponent(r.id)}`;
      a.dataset.testid = "recording-link";
      a.textContent = `${new Date(r.startedAt * 1000).toLocaleString()} · ${Math.round(r.durationS)} s · ${ct(r.state === "recording" ? "recording_now" : r.state)}` +
        (r.legalHold ? ` · ${ct("legal_hold")}` : "");
      li.appendChild(a);
      return li;
    }));
  }

  $("assign").onclick = async () => {
    await api("POST", `/cases/${currentCase.id}/assign`, { mediatorId: $("assign-mediator").value });
    await openCase(currentCase.id);
  };

  $("open-room").onclick = async () => {
    currentRoom = await api("POST", `/cases/${currentCase.id}/rooms`);
    $("room-panel").hidden = false;
    $("room-name").textContent = currentRoom.name;
  };

  async function invite(name, role) {
    return api("POST", `/rooms/${currentRoom.id}/invitations`, { name, role });
  }

  $("invite").onclick = async () => {
    const name = $("invite-name").value.trim();
    if (!name) return;
    const invitation = await invite(name, "party");
    $("invitation").hidden = false;
    $("invite-link").textContent = invitation.url;
    $("invite-link").href = invitation.url;
    $("invite-code").textContent = invitation.code;
    const qr = await fetch(`/api/v1/invitations/${invitation.id}/qr.png`, { headers: { Authorization: `Bearer ${token}` } });
    $("invite-qr").src = URL.createObjectURL(await qr.blob());
  };

  $("join-room").onclick = async () => {
    // staff enter with their own identity (a seat token for this room), never an invitation
    const seat = await api("POST", `/rooms/${currentRoom.id}/seat`);
    window.open(seat.url, "_blank", "noopener");
  };

  if (token) start().catch(logout);
  else show("login");
})();
