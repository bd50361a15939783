// The party's phone page and the mediator's room view: /join/<token>.
// Speaks docs/protocol.md through lib/signaling.js; media over lib/peers.js; tiles,
// stats and text from the shared modules. This file wires them to the page.
import { io } from "/vendor/socket.io.esm.min.js";
import { createApi } from "../lib/api.js";
import { byId as $ } from "../lib/dom.js";
import { hasKey, pageI18n } from "../lib/i18n.js";
import { Publisher, Subscriber } from "../lib/peers.js";
import { RoomSignaling, refusal } from "../lib/signaling.js";
import { collectStats } from "../lib/stats.js";
import { MediaPool, TileGrid, gridClass } from "../lib/tiles.js";
import { Camera } from "./camera.js";
import { RoomCameras, isCameraTile } from "./cameras.js";
import { renderPeople, tileLabel } from "./people.js";
import strings from "./strings.js";

const { lang, t, apply } = pageI18n(strings);
const token = decodeURIComponent(location.pathname.split("/")[2] || "");
const params = new URLSearchParams(location.search);
const forcedCodec = (params.get("codec") || "").toLowerCase(); // "h264" | "vp8": diagnostics

const camera = new Camera();
const pool = new MediaPool();
const state = {
  signaling: null,
  publisher: null,
  subscriber: null,
  tiles: null,
  cameras: null, // RoomCameras: camera tiles (and their controls for staff)
  self: null,
  permissions: [],
  joined: false,
  over: false,
  micMuted: false,
  camOff: false,
  mutedByMediator: false,
  recording: false,
  joinClickedAt: 0,
  firstFrameMs: null,
  samples: new Map(), // producer id -> last stats sample
};
const may = (action) => state.permissions.includes(action);
const request = (event, payload) => state.signaling.request(event, payload);

// -- messages -----------------------------------------------------------------------
function showMessage(key, action) {
  for (const id of ["lobby", "room"]) $(id).hidden = true;
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
    data = await createApi().get(`/join/${encodeURIComponent(token)}`);
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
    .on("participant-left", (e) => state.tiles?.remove(e.participantId))
    .on("producer-added", (p) => noteProducer(p))
    .on("producer-removed", (e) => dropProducer(e.producerId))
    .on("producer-paused", (e) => onPaused(e, true))
    .on("producer-resumed", (e) => onPaused(e, false))
    .on("renegotiate", () => state.joined && state.subscriber.schedule())
    .on("removed", () => finish("removed"))
    .on("room-ended", () => finish("room_ended"))
    .on("recording", (e) => showRecording(e))
    .on("camera-added", (c) => state.cameras?.add(c))
    .on("camera-removed", (e) => state.cameras?.remove(e))
    .on("camera-state", (e) => state.cameras?.state(e))
    .on("camera-shared", (e) => state.cameras?.shared(e))
    .connect();
}

async function enterRoom() {
  closePeers();
  const ack = await request("join", { consent: true });
  if (!ack.ok) {
    state.over = true;
    state.signaling.disconnect();
    return showMessage(ack.error.code);
  }
  const first = !state.joined;
  state.joined = true;
  state.self = ack.self;
  state.permissions = ack.permissions || [];
  const iceServers = ack.iceServers || [];
  document.body.dataset.role = ack.self.role;
  if (first) {
    state.subscriber = new Subscriber(state.signaling, {
      onTrack: (producerId, track) => state.tiles.deliver(producerId, track),
      active: () => !state.over,
    });
    state.publisher = new Publisher(state.signaling, { forcedCodec });
  }
  state.subscriber.iceServers = state.publisher.iceServers = iceServers;
  if (first) showRoom(); // receiving starts now; our own media once the camera is ready
  banner(state.mutedByMediator ? "muted_by_mediator" : null);
  showRecording(ack.recording || { active: false });
  // the participant list is authoritative after every (re)join: no ghosts
  state.tiles.clear();
  for (const p of ack.participants) addParticipant(p);
  state.cameras.reset(ack.cameras);
  state.subscriber.schedule(); // receive while our own media is still being negotiated
  await publish();
}

function showRoom() {
  $("lobby").hidden = true;
  $("message").hidden = true;
  $("room").hidden = false;
  state.tiles = new TileGrid($("tiles"), $("tile-template"), {
    pool,
    ownerOf: (producerId) => state.subscriber?.ownerOf(producerId),
    onChange: layout,
    onVideo: (video) => {
      watchFirstFrame(video);
      state.cameras?.watchVideo(video);
    },
  });
  state.cameras = new RoomCameras({
    t,
    request,
    tiles: state.tiles,
    noteProducer,
    may,
    notify: banner,
    panel: { root: $("camera-panel"), list: $("camera-list"), toggle: $("cameras") },
  });
  $("cameras").hidden = !may("camera.attach");
  camera.ready.then(() => {
    $("self-video").srcObject = camera.stream;
    $("switch").hidden = !camera.hasVideo;
  });
  document.body.dataset.moderator = String(may("room.moderate"));
  $("end").hidden = !may("room.end");
  $("people").hidden = !may("room.moderate");
  $("record").hidden = !may("room.moderate");
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
  state.subscriber?.noteProducer(producer.id, producer.participantId);
  if (producer.kind === "audio") state.tiles?.setMuted(producer.participantId, producer.paused);
}

function dropProducer(producerId) {
  const owner = state.subscriber?.ownerOf(producerId);
  state.subscriber?.forgetProducer(producerId);
  state.tiles?.drop(owner, producerId);
}

function onPaused(event, paused) {
  if (state.self && event.participantId === state.self.id) {
    const mine = state.publisher?.producers || {};
    if (event.producerId === mine.audio && event.by !== state.self.id && paused) {
      state.mutedByMediator = true;
      setMicUi(true);
      banner("muted_by_mediator");
    }
    return;
  }
  if (state.tiles?.kindOf(event.participantId, event.producerId) === "audio") {
    state.tiles.setMuted(event.participantId, paused);
  }
}

function layout(tiles) {
  $("tiles").className = gridClass(tiles.size);
  $("waiting").hidden = tiles.size > 0;
  if (!may("room.moderate")) return;
  renderPeople($("people-list"), [...tiles.values()].filter((p) => !isCameraTile(p.id)), {
    t,
    request,
    confirmRemove: (p) => params.has("noconfirm") || confirm(t("remove_confirm", { name: p.name })),
  });
}

// -- controls ---------------------------------------------------------------------------------
function setMicUi(muted) {
  state.micMuted = muted;
  camera.enable("audio", !muted);
  $("mute").classList.toggle("off", muted);
  $("mute").querySelector(".label").textContent = t(muted ? "unmute" : "mute");
  $("mute").setAttribute("aria-pressed", String(muted));
}

async function toggleMic() {
  const muting = !state.micMuted;
  const audio = state.publisher?.producers.audio;
  if (!muting && state.mutedByMediator) {
    const ack = audio ? await request("unmute", { producerId: audio }) : { ok: true };
    if (!ack.ok) return banner("muted_by_mediator");
    state.mutedByMediator = false;
    banner(null);
  }
  setMicUi(muting);
  if (audio) await request(muting ? "mute" : "unmute", { producerId: audio });
}

async function toggleCamera() {
  state.camOff = !state.camOff;
  camera.enable("video", !state.camOff);
  $("camera").classList.toggle("off", state.camOff);
  $("camera").querySelector(".label").textContent = t(state.camOff ? "camera_on" : "camera_off");
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
  await request("leave", {});
  state.signaling.disconnect();
  closePeers();
  showMessage("left", reload);
}

// -- recording (moderators start/stop; everyone sees the indicator) ------------------------
function showRecording(recording) {
  state.recording = Boolean(recording.active);
  $("recording").hidden = !state.recording;
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

function finish(key) {
  state.over = true;
  state.signaling?.disconnect();
  closePeers();
  camera.stop();
  showMessage(key);
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

// diagnostics and tests: numbers behind the badges, who we are, the socket (to drop it)
window.hub = {
  stats,
  get firstFrameMs() {
    return state.firstFrameMs;
  },
  get self() {
    return state.self;
  },
  get socket() {
    return state.signaling?.socket;
  },
  // camera id -> {clicked, acked, firstFrame (ms from the attach click)}
  get cameraTimes() {
    return Object.fromEntries(state.cameras?.times || []);
  },
};

main();
