// The party's phone page and the mediator's room view: /join/<token>.
// Speaks docs/protocol.md through lib/signaling.js; media over lib/peers.js; tiles,
// stats and text from the shared modules. This file wires them to the page.
import { io } from "/vendor/socket.io.esm.min.js";
import { createApi } from "../lib/api.js";
import { byId as $ } from "../lib/dom.js";
import { hasKey, pageI18n } from "../lib/i18n.js";
import { Publisher, Subscriber, wantsSimulcast } from "../lib/peers.js";
import { RoomSignaling, refusal } from "../lib/signaling.js";
import { collectStats } from "../lib/stats.js";
import { MediaPool, TileGrid, gridClass } from "../lib/tiles.js";
import { Camera } from "./camera.js";
import { RoomCameras, isCameraTile } from "./cameras.js";
import { CommandNotice } from "./command-notice.js";
import { SessionClock } from "./clock.js";
import { selfWarnings } from "./monitor.js";
import { isWide } from "./panel.js";
import { renderPeople, tileLabel } from "./people.js";
import { canShareScreen } from "./screen-share.js";
import { buildSessionUi } from "./session-ui.js";
import strings from "./strings.js";
import { WaitingScreen } from "./waiting.js";
import { exposeDiagnostics } from "./diagnostics.js";

const { lang, t, apply } = pageI18n(strings);
const [, route, credential] = location.pathname.split("/");
// /join/<token>, or a short link /j/<code> whose token the hub hands over in a body
const shortCode = /^j$/i.test(route) ? decodeURIComponent(credential || "") : null;
let token = shortCode ? "" : decodeURIComponent(credential || "");
const params = new URLSearchParams(location.search);
const forcedCodec = (params.get("codec") || "").toLowerCase(); // "h264" | "vp8": diagnostics

const camera = new Camera();
const pool = new MediaPool();
const commandNotice = new CommandNotice($("command-speaking"));
const state = {
  signaling: null,
  publisher: null,
  subscriber: null,
  tiles: null,
  self: null,
  permissions: [],
  joined: false,
  over: false,
  micMuted: false,
  camOff: false,
  mutedByMediator: false,
  recording: false,
  audioStalled: false,
  producers: new Map(), // producer id -> {participantId, kind, source, paused}
  joinClickedAt: 0,
  firstFrameMs: null,
  samples: new Map(), // producer id -> last stats sample
};
const may = (action) => state.permissions.includes(action);
const request = (event, payload) => state.signaling.request(event, payload);
const clock = new SessionClock({ timer: $("timer"), recordingTime: $("recording-time") });
const ui = {}; // panel, chat, floor, screen share, monitor: made when the room first shows
const waitingScreen = new WaitingScreen({
  root: $("waiting-room"),
  roomName: $("waiting-room-name"),
  since: $("waiting-since"),
  preview: $("waiting-preview"),
  leave: $("waiting-leave"),
  t,
});

// -- messages -----------------------------------------------------------------------
function showMessage(key, action) {
  for (const id of ["lobby", "room"]) $(id).hidden = true;
  waitingScreen.hide();
  $("message").hidden = false;
  $("message-text").textContent = t(key);
  $("message-title").textContent = hasKey(strings, `${key}_title`) ? t(`${key}_title`) : t("title");
  $("message").dataset.code = key;
  const button = $("message-action");
  button.hidden = !action;
  if (action) {
    button.textContent = t(action.label);
    button.onclick = action.run;
  }
}

const reload = { label: "rejoin", run: () => location.reload() };

function banner(key, vars) {
  const node = $("banner");
  node.hidden = !key;
  node.textContent = key ? t(key, vars) : "";
  node.dataset.code = key || "";
}

// -- lobby ----------------------------------------------------------------------------
async function main() {
  apply();
  let data;
  try {
    data = shortCode
      ? await createApi().get(`/j/${encodeURIComponent(shortCode)}`)
      : await createApi().get(`/join/${encodeURIComponent(token)}`);
    if (shortCode) token = data.token;
  } catch (err) {
    if (err.code === "network") return showMessage("network", reload);
    return showMessage(err.code === "error" ? "internal" : err.code);
  }
  $("room-name").textContent = data.room.name;
  $("lobby-room").textContent = data.room.name;
  document.title = `${data.room.name} · ${t("title")}`;
  $("name").value = data.name || "";
  $("name").readOnly = Boolean(data.name);
  $("notice").textContent = lang === "en" ? data.consent.en : data.consent.zh;
  $("recording-required").hidden = !data.recordingRequired;
  $("lobby").hidden = false;
  $("consent").addEventListener("change", () => {
    $("join").disabled = !$("consent").checked;
  });
  $("join").addEventListener("click", onJoinClick);
  $("camera-retry").addEventListener("click", preview);
  await preview();
}

async function preview() {
  $("camera-error").hidden = true;
  const works = await camera.start();
  if (works) $("preview").srcObject = camera.stream;
  $("preview-off").hidden = works;
  $("camera-error").hidden = works;
}

function onJoinClick() {
  if (!$("consent").checked) return;
  state.joinClickedAt = performance.now();
  pool.unlock(); // must stay synchronous inside the click
  $("join").disabled = true;
  $("join").textContent = t("joining");
  connect();
}

// -- signaling -------------------------------------------------------------------------
function connect() {
  const signaling = new RoomSignaling(io, token);
  state.signaling = signaling;
  signaling
    .on("connect", () => enterRoom())
    .on("connect_error", (err) => {
      const code = refusal(err);
      if (code) {
        state.over = true;
        signaling.disconnect();
        showMessage(code);
      } else if (state.joined) {
        banner("reconnecting");
      }
    })
    .on("disconnect", (reason) => {
      if (state.over) return;
      if (reason === "io server disconnect") return; // removed / ended: a message follows
      banner("reconnecting");
      closePeers();
    })
    .on("participant-joined", (p) => addParticipant(p))
    .on("participant-left", (e) => {
      state.tiles?.remove(e.participantId);
      if (ui.stageOwner === e.participantId) hideStage();
    })
    .on("hand", (e) => onHand(e))
    .on("speak-allowed", (e) => onSpeakAllowed(e))
    .on("chat", (m) => ui.chat?.add(m))
    .on("agreement", (a) => showAgreement(a))
    .on("agreement-error", () => banner("agreement_failed"))
    .on("feedback-request", () => askFeedback())
    .on("waiting", (e) => ui.waiting?.add(e))
    .on("waiting-left", (e) => ui.waiting?.remove(e.id))
    .on("admitted", () => enterRoom())
    .on("turned-away", () => finish("turned_away", reload))
    .on("producer-added", (p) => noteProducer(p))
    .on("producer-removed", (e) => dropProducer(e.producerId))
    .on("producer-paused", (e) => onPaused(e, true))
    .on("producer-resumed", (e) => onPaused(e, false))
    .on("renegotiate", () => state.ready && state.subscriber.schedule())
    .on("removed", () => finish("removed"))
    .on("room-ended", () => finish("room_ended"))
    .on("recording", (e) => showRecording(e))
    .on("command-speaking", (e) => commandNotice.update(e))
    .connect();
}

async function enterRoom() {
  state.ready = false; // renegotiations wait for the join answer (tiles are rebuilt from it)
  closePeers();
  const ack = await request("join", { consent: true });
  if (!ack.ok) {
    state.over = true;
    state.signaling.disconnect();
    return showMessage(ack.error.code);
  }
  if (ack.waiting === true) return showWaiting(ack);
  waitingScreen.hide();
  const first = !state.joined;
  state.joined = true;
  state.self = ack.self;
  state.room = ack.room;
  state.permissions = ack.permissions || [];
  const iceServers = ack.iceServers || [];
  document.body.dataset.role = ack.self.role;
  if (first) {
    state.subscriber = new Subscriber(state.signaling, {
      onTrack: (producerId, track) => onTrack(producerId, track),
      active: () => !state.over,
    });
    state.publisher = new Publisher(state.signaling, { forcedCodec, simulcast: wantsSimulcast() });
  }
  state.subscriber.iceServers = state.publisher.iceServers = iceServers;
  if (first) showRoom(); // receiving starts now; our own media once the camera is ready
  banner(null);
  clock.start(ack.startedAt, ack.serverTime);
  showRecording(ack.recording || { active: false });
  ui.chat.load(ack.chat);
  if (may("room.moderate")) {
    ui.waiting.load(ack.waiting);
    ui.minutes.load(ack.minutes);
  }
  if (ack.agreement) showAgreement(ack.agreement);
  ui.floor.set(Boolean(ack.self.hand));
  ui.screen?.reset();
  commandNotice.reset(ack.commandSpeaking || []);
  // the participant list is authoritative after every (re)join: no ghosts
  state.tiles.clear();
  state.producers.clear();
  hideStage();
  for (const p of ack.participants) addParticipant(p);
  state.cameras.reset(ack.cameras);
  layout(state.tiles);
  state.ready = true;
  state.subscriber.schedule(); // receive while our own media is still being negotiated
  await publish();
}

/** Held in the lobby until the mediator admits us: the camera stays ready meanwhile. */
const showWaiting = (ack) => waitingScreen.enter(ack.room, [$("lobby"), $("message"), $("room")], camera, () => {
  state.over = true;
  state.signaling.disconnect();
  showMessage("left", reload);
});

function showRoom() {
  $("lobby").hidden = true;
  $("message").hidden = true;
  $("room").hidden = false;
  apply($("tile-template").content);
  state.tiles = new TileGrid($("tiles"), $("tile-template"), {
    pool,
    ownerOf: (producerId) => state.subscriber?.ownerOf(producerId),
    onChange: layout,
    onVideo: (video) => {
      watchFirstFrame(video);
      chooseLayers();
    },
  });
  camera.ready.then(() => {
    $("self-video").srcObject = camera.stream;
    $("switch").hidden = !camera.hasVideo;
    showSelfStatus();
  });
  const moderator = may("room.moderate");
  document.body.dataset.moderator = String(moderator);
  $("end").hidden = !may("room.end");
  $("record").hidden = !moderator;
  $("raise-hand").hidden = moderator;
  $("share-screen").hidden = !moderator || !canShareScreen() || !isWide();
  buildSessionUi(ui, {
    state,
    t,
    request,
    token: () => token,
    moderator,
    onError: (code) => banner(code),
    toggleMic,
    onShareChange,
    showSelfStatus,
  });
  state.cameras = new RoomCameras({ t, request, may, signaling: state.signaling, tiles: state.tiles, panel: ui.panel, noteProducer, notify: banner });
  $("mute").onclick = toggleMic;
  $("camera").onclick = toggleCamera;
  $("switch").onclick = switchCamera;
  $("leave").onclick = leave;
  $("end").onclick = endRoom;
  $("record").onclick = toggleRecording;
  setInterval(updateStats, 2000);
}

// -- media ----------------------------------------------------------------------------------
async function publish() {
  await camera.ready; // a quick tap on "join" must not outrun the camera
  const ack = await state.publisher.publish(camera.stream, "camera");
  if (!ack.ok) return showMessage(ack.error.code);
  const mine = state.publisher.producers;
  if (state.micMuted && mine.audio) request("mute", { producerId: mine.audio });
  if (state.camOff && mine.video) request("mute", { producerId: mine.video });
}

function watchFirstFrame(video) {
  if (state.firstFrameMs !== null) return;
  const done = () => {
    if (state.firstFrameMs === null) state.firstFrameMs = performance.now() - state.joinClickedAt;
  };
  if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(done);
  video.addEventListener("playing", done, { once: true });
}

function closePeers() {
  state.publisher?.close();
  state.subscriber?.close();
  state.tiles?.forgetPending();
}

// -- participants and tiles --------------------------------------------------------------
function addParticipant(p) {
  if (!state.self || p.id === state.self.id) return;
  state.tiles.add(p, tileLabel(p, t));
  for (const producer of p.producers || []) noteProducer(producer);
}

function noteProducer(producer) {
  if (state.self && producer.participantId === state.self.id) return;
  state.producers.set(producer.id, {
    participantId: producer.participantId,
    kind: producer.kind,
    source: producer.source,
    paused: producer.paused,
  });
  state.subscriber?.noteProducer(producer.id, producer.participantId);
  if (producer.source === "screen") return;
  if (producer.kind === "audio") state.tiles?.setMuted(producer.participantId, producer.paused);
  else state.tiles?.setVideoOff(producer.participantId, producer.paused);
  layout(state.tiles);
}

function dropProducer(producerId) {
  const owner = state.subscriber?.ownerOf(producerId);
  const known = state.producers.get(producerId);
  state.producers.delete(producerId);
  state.subscriber?.forgetProducer(producerId);
  if (known?.source === "screen") {
    if (ui.stageProducer === producerId) hideStage();
    return;
  }
  state.tiles?.drop(owner, producerId);
}

/** A remote track: a shared screen goes on the stage, cameras and microphones on tiles. */
function onTrack(producerId, track) {
  if (state.producers.get(producerId)?.source === "screen") return showStage(producerId, track);
  state.tiles.deliver(producerId, track);
}

function showStage(producerId, track) {
  const owner = state.producers.get(producerId)?.participantId;
  const video = $("stage-video");
  video.srcObject = new MediaStream([track]);
  video.dataset.producerId = producerId;
  video.play().catch(() => {});
  ui.stageProducer = producerId;
  ui.stageOwner = owner;
  const name = state.tiles?.get(owner)?.name || "";
  $("stage-label").textContent = t("sharing_by", { name });
  $("stage").hidden = false;
  document.body.dataset.stage = "true";
}

function hideStage() {
  const video = $("stage-video");
  video.srcObject = null;
  delete video.dataset.producerId;
  ui.stageProducer = ui.stageOwner = null;
  $("stage").hidden = true;
  document.body.dataset.stage = "false";
}

function onShareChange(sharing, code) {
  $("share-screen").classList.toggle("on", sharing);
  $("share-screen").setAttribute("aria-pressed", String(sharing));
  $("share-screen").querySelector(".label").textContent = t(sharing ? "share_stop" : "share_screen");
  if (code) banner(code);
}

/** 评价: parties only. Over the sealed agreement it is a button under the note (the
 * person first sees that the agreement is done); elsewhere the form opens. */
function askFeedback() {
  if (!ui.feedback || may("room.moderate") || state.self?.role === "observer") return;
  if (!$("agreement-sheet").hidden) return ui.sheet.offerFeedback(() => ui.feedback.open());
  ui.feedback.open();
}

/** The agreement: on the mediator's 协议 tab; on a signer's phone, its sheet. */
function showAgreement(agreement) {
  if (may("room.moderate")) return ui.desk?.show(agreement);
  return ui.sheet?.show(agreement);
}

function onHand(event) {
  if (state.self && event.participantId === state.self.id) {
    ui.floor?.set(event.raised);
    return;
  }
  state.tiles?.setHand(event.participantId, event.raised);
  layout(state.tiles);
}

async function onSpeakAllowed(event) {
  state.mutedByMediator = false;
  await ui.floor.allowed(event);
  showSelfStatus();
}

function onPaused(event, paused) {
  if (state.self && event.participantId === state.self.id) {
    const mine = state.publisher?.producers || {};
    if (event.producerId === mine.audio && event.by !== state.self.id && paused) {
      state.mutedByMediator = true;
      setMicUi(true); // the warning bar says so (and how to ask for the floor)
    }
    return;
  }
  const known = state.producers.get(event.producerId);
  if (known) known.paused = paused;
  if (known?.source === "screen") return;
  const kind = known?.kind || state.tiles?.kindOf(event.participantId, event.producerId);
  if (kind === "audio") state.tiles?.setMuted(event.participantId, paused);
  else if (kind === "video") state.tiles?.setVideoOff(event.participantId, paused);
  layout(state.tiles);
}

/** Small tiles take the low simulcast layer, big ones the high (after every layout change). */
const chooseLayers = () => state.tiles?.preferLayers((id, layer) => state.subscriber?.preferLayer(id, layer));

function layout(tiles) {
  if (!tiles) return;
  $("tiles").className = gridClass(tiles.size);
  chooseLayers();
  $("waiting").hidden = tiles.size > 0;
  const people = [...tiles.values()].filter((p) => !isCameraTile(p.id));
  $("people-count").textContent = String(people.length + 1);
  const self = state.self ? { ...state.self, micMuted: state.micMuted, hand: ui.floor?.raised } : null;
  renderPeople($("people-list"), people, {
    t,
    request,
    self,
    moderator: may("room.moderate"),
    confirmRemove: (p) => params.has("noconfirm") || confirm(t("remove_confirm", { name: p.name })),
  });
}

/** Can the others hear and see me? A warning bar says so when not. */
function showSelfStatus() {
  const warnings = selfWarnings({
    hasMic: camera.tracks("audio").length > 0,
    hasCamera: camera.hasVideo,
    micMuted: state.micMuted,
    camOff: state.camOff,
    mutedByMediator: state.mutedByMediator,
    audioStalled: state.audioStalled,
  });
  const node = $("self-warning");
  node.hidden = !warnings.length;
  node.textContent = warnings.map((key) => t(`warn_${key}`)).join("　");
  node.dataset.codes = warnings.join(" ");
  $("self-off").hidden = camera.hasVideo && !state.camOff;
}

// -- controls ---------------------------------------------------------------------------------
function setMicUi(muted) {
  state.micMuted = muted;
  camera.enable("audio", !muted);
  $("mute").classList.toggle("off", muted);
  $("mute").querySelector(".label").textContent = t(muted ? "unmute" : "mute");
  $("mute").setAttribute("aria-pressed", String(muted));
  showSelfStatus();
  layout(state.tiles);
}

async function toggleMic() {
  const muting = !state.micMuted;
  const audio = state.publisher?.producers.audio;
  if (!muting && state.mutedByMediator) {
    const ack = audio ? await request("unmute", { producerId: audio }) : { ok: true };
    if (!ack.ok) return showSelfStatus();
    state.mutedByMediator = false;
  }
  setMicUi(muting);
  if (audio) await request(muting ? "mute" : "unmute", { producerId: audio });
}

async function toggleCamera() {
  state.camOff = !state.camOff;
  camera.enable("video", !state.camOff);
  $("camera").classList.toggle("off", state.camOff);
  $("camera").querySelector(".label").textContent = t(state.camOff ? "camera_on" : "camera_off");
  showSelfStatus();
  const video = state.publisher?.producers.video;
  if (video) await request(state.camOff ? "mute" : "unmute", { producerId: video });
}

async function switchCamera() {
  try {
    await camera.switchFacing((track) => state.publisher?.replaceVideoTrack(track));
    $("self-video").srcObject = camera.stream;
  } catch (err) {
    console.warn("switch camera failed", err);
  }
}

async function leave() {
  state.over = true;
  clock.stop();
  ui.monitor?.stop();
  await request("leave", {});
  state.signaling.disconnect();
  closePeers();
  showMessage("left", reload);
}

// -- recording (moderators start/stop; everyone sees the indicator) ------------------------
function showRecording(recording) {
  state.recording = Boolean(recording.active);
  $("recording").hidden = !state.recording;
  clock.recording(state.recording ? recording.startedAt : null);
  document.body.dataset.recording = String(state.recording);
  const button = $("record");
  button.classList.toggle("off", state.recording);
  button.setAttribute("aria-pressed", String(state.recording));
  // required by the organisation: it runs until the room ends, nobody stops it
  const required = Boolean(recording.required) && state.recording;
  button.disabled = required;
  button.querySelector(".label").textContent =
    t(required ? "record_required" : state.recording ? "record_stop" : "record_start");
}

async function toggleRecording() {
  const ack = await request(state.recording ? "record-stop" : "record-start", {});
  if (!ack.ok) return banner(ack.error.code);
  banner(null);
  showRecording(ack.recording);
}

async function endRoom() {
  if (!params.has("noconfirm") && !confirm(t("end_confirm"))) return;
  const ack = await request("end-room", {});
  if (ack.ok) finish("room_ended");
}

function finish(key, action) {
  state.over = true;
  clock.stop();
  ui.monitor?.stop();
  ui.screen?.reset();
  state.signaling?.disconnect();
  closePeers();
  camera.stop();
  showMessage(key, action);
}

// -- connection quality --------------------------------------------------------------------
function stats() {
  return collectStats({
    publisher: state.publisher,
    subscriber: state.subscriber,
    samples: state.samples,
    participants: state.tiles ? [...state.tiles.values()] : [],
    firstFrameMs: state.firstFrameMs,
  });
}

async function updateStats() {
  if (state.over) return;
  const result = await stats();
  const lines = [`${t("rtt")}: ${result.rttMs ?? "-"} ms`];
  for (const participant of state.tiles.values()) {
    const summary = result.participants[participant.id];
    const quality = summary ? summary.quality : null;
    state.tiles.setQuality(participant.id, quality, quality ? t(`quality_${quality}`) : "");
    if (!summary) continue;
    const codec = summary.codec ? ` · ${summary.codec.replace("video/", "")}` : "";
    lines.push(
      `${participant.name}: ${t(`quality_${quality}`)} · ${t("loss")} ${summary.lossPct.toFixed(1)}%`
        + ` · ${t("bitrate")} ${summary.bitrateKbps} kbps${codec}`,
    );
  }
  $("conn-info").textContent = lines.join("\n");
}

exposeDiagnostics(state, stats);

main();
