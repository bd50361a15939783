// A recording, played back: every track side by side, in sync, from the original
// segments (Media Source Extensions; nothing is transcoded). Each segment is placed on
// one session clock by the recording's timing map (the server's `start`); one master
// clock drives every media element and corrects any that drift (playback.js).
import { createApi } from "../lib/api.js";
import { byId as $, el } from "../lib/dom.js";
import { pageI18n } from "../lib/i18n.js";
import { staffToken, toLogin } from "../lib/session.js";
import { MasterClock, minutesSeconds, peakLevel, sessionSpan } from "./playback.js";
import { Track } from "./recording-track.js";
import strings from "./strings.js";

const { t, apply } = pageI18n(strings);
const api = createApi({ token: staffToken, onUnauthorized: toLogin });
const recordingId = decodeURIComponent(location.pathname.split("/").pop());
const path = `/recordings/${encodeURIComponent(recordingId)}`;
const clock = new MasterClock();
let tracks = [];
let audioContext = null;

apply();

function fail(err) {
  $("error").hidden = false;
  $("error").dataset.code = err.code || "error";
  const own = t(err.code); // our words first, then the server's when they add something
  const known = own !== err.code && !err.message.startsWith(own);
  $("error").textContent = known ? `${own}（${err.message}）` : err.message;
}

function showClock() {
  const now = clock.now();
  $("seek").value = String(now);
  const wall = new Date((clock.t0 + now) * 1000).toLocaleTimeString("zh-CN", { hour12: false });
  $("clock").textContent = `${wall} · ${minutesSeconds(now)} / ${minutesSeconds(clock.duration)}`;
}

function tick() {
  let now = clock.now();
  if (clock.playing && now >= clock.duration) {
    clock.pause();
    $("play").textContent = t("play");
    now = clock.now();
  }
  for (const track of tracks) {
    track.fill(now);
    track.sync(now, clock.playing);
    if (track.analyser && track.level) {
      const data = new Uint8Array(track.analyser.fftSize);
      track.analyser.getByteTimeDomainData(data);
      track.level.style.width = `${Math.round(peakLevel(data) * 100)}%`;
    }
  }
  showClock();
}

function meters() {
  // inside the click: browsers allow sound (and an AudioContext) after a gesture
  if (audioContext || !window.AudioContext) return;
  audioContext = new AudioContext();
  for (const track of tracks) {
    if (track.info.kind !== "audio" || !track.supported) continue;
    const analyser = audioContext.createAnalyser();
    analyser.fftSize = 512;
    audioContext.createMediaElementSource(track.el).connect(analyser).connect(audioContext.destination);
    track.meter(analyser);
  }
}

$("play").onclick = () => {
  meters();
  if (clock.playing) clock.pause();
  else {
    if (clock.now() >= clock.duration) clock.seek(0);
    clock.play();
  }
  $("play").textContent = t(clock.playing ? "pause" : "play");
  // start the elements inside the click too (iOS and Chrome's autoplay rules)
  for (const track of tracks) track.sync(clock.now(), clock.playing);
};

$("seek").addEventListener("input", () => {
  clock.seek(Number($("seek").value));
  tick();
});

async function details() {
  const data = await api.get(path);
  const v = data.verification;
  // verified = intact AND signed by this install's key; another key is said plainly, in red
  const why = !v.keyTrusted ? t("other_key") : v.firstBadSegment || "";
  $("verification").textContent = v.ok ? `✔ ${t("verified_ok")}` : `✘ ${t("verified_bad")}: ${why}`;
  $("verification").dataset.ok = String(v.ok);
  $("verification").dataset.keyTrusted = String(v.keyTrusted);
  $("verification").classList.toggle("untrusted", !v.ok);
  $("key").textContent = `${t("key_fingerprint")} ${v.keyFingerprint.slice(0, 16)}…` +
    (v.keyTrusted ? "" : ` · ${t("trusted_fingerprint")} ${v.trustedKeyFingerprint.slice(0, 16)}…`);
  $("key").title = `${v.keyFingerprint}\n${v.trustedKeyFingerprint}`;
  $("verification").title = v.report;
  const kept = data.retentionDays ? `${t("retention")} ${data.retentionDays} ${t("days")}` : t("kept_forever");
  const after = data.deletableAfter
    ? ` · ${t("deletable_after")} ${new Date(data.deletableAfter * 1000).toLocaleDateString()}` : "";
  $("retention").textContent = `${kept}${after}` + (data.legalHold ? ` · ${t("legal_hold")}: ${data.hold.reason}` : "");
  $("hold").textContent = t(data.legalHold ? "release" : "hold");
  $("hold").dataset.held = String(data.legalHold);
  return data;
}

async function act(run) {
  $("action-result").classList.remove("error");
  try {
    $("action-result").textContent = await run();
  } catch (err) {
    $("action-result").classList.add("error");
    $("action-result").dataset.code = err.code;
    $("action-result").textContent = err.message;
  }
}

$("hold").onclick = () => act(async () => {
  const held = $("hold").dataset.held === "true";
  await api.request(held ? "DELETE" : "POST", `${path}/hold`, { reason: $("reason").value });
  await details();
  return t(held ? "release" : "hold") + " ✔";
});

$("delete").onclick = () => act(async () => {
  await api.del(path, { reason: $("reason").value });
  $("people").replaceChildren();
  tracks = [];
  return t("deleted");
});

$("export").onclick = () => act(async () => {
  const blob = await (await api.get(`${path}/export`, { raw: true })).blob();
  const a = el("a", { href: URL.createObjectURL(blob), download: `${recordingId}.zip` });
  a.click();
  return `${t("export")} ✔`;
});

async function fetchSegment(url) {
  const response = await api.get(url.replace(/^\/api\/v1/, ""), { raw: true });
  return response.arrayBuffer();
}

async function start() {
  const me = await api.get("/me");
  $("who").textContent = me.name;
  const summary = await details();
  const data = await api.get(`${path}/tracks`);
  Object.assign(clock, sessionSpan(data.tracks));
  $("seek").max = String(clock.duration);
  $("heading").textContent = `${summary.room} · ${new Date(clock.t0 * 1000).toLocaleString()} · ` +
    t(summary.state === "recording" ? "recording_now" : summary.state);
  const videoFirst = (info) => (info.kind === "video" ? 0 : 1);
  tracks = data.tracks.sort((a, b) => videoFirst(a) - videoFirst(b))
    .map((info) => new Track(info, clock.t0, { fetchSegment, t }));
  // one card per person, their tracks in it
  const people = new Map();
  for (const track of tracks) {
    const key = track.info.participantId || track.info.id;
    if (!people.has(key)) {
      const role = track.info.role ? ` · ${t(track.info.role)}` : "";
      people.set(key, el("div", { className: "person" }, el("h3", { text: `${track.info.name || key}${role}` })));
    }
    people.get(key).appendChild(track.root);
  }
  $("people").replaceChildren(...people.values());
  $("recording").hidden = false;
  setInterval(tick, 200);
  tick();
}

// what the tests (and a curious operator, from the devtools) can read
window.player = {
  time: () => clock.now(),
  duration: () => clock.duration,
  playing: () => clock.playing,
  tracks: () => tracks.map((track) => track.state(clock.now())),
};

if (!staffToken()) toLogin(); // not logged in, or the session ended
else start().catch(fail);
