// Cameras in the room page (docs/cameras.md, docs/protocol.md "Cameras"): each camera is a
// tile like a participant's ("监控 · name"); staff get its controls on the tile (share with
// the parties, snapshot, clip, PTZ for GB/T 28181 cameras, take out) and a tab of the side
// panel (监控) that lists the cameras of their organisation to put into the room. Parties
// only ever see tiles.
import { byId, el } from "../lib/dom.js";
import { isWide } from "./panel.js";

/** Socket events (docs/protocol.md) -> the RoomCameras method that shows them. */
export const CAMERA_EVENTS = {
  "camera-added": "add",
  "camera-removed": "remove",
  "camera-state": "state",
  "camera-shared": "shared",
};

const PTZ = [
  // [test id, label key, move]
  ["ptz-left", "ptz_left", { pan: -1 }],
  ["ptz-up", "ptz_up", { tilt: 1 }],
  ["ptz-down", "ptz_down", { tilt: -1 }],
  ["ptz-right", "ptz_right", { pan: 1 }],
  ["ptz-zoom-in", "ptz_zoom_in", { zoom: 1 }],
  ["ptz-zoom-out", "ptz_zoom_out", { zoom: -1 }],
];

export const isCameraTile = (participantId) => String(participantId || "").startsWith("camera:");

export class RoomCameras {
  /**
   * @param t          the page's translator
   * @param request    signaling request(event, payload) -> ack
   * @param tiles      the page's TileGrid (cameras are tiles)
   * @param noteProducer(producer) the page's way to learn a producer's owner
   * @param may(action) the page's permissions
   * @param notify(key, vars) a short message for the user (banner)
   * @param panel      the room's side Panel: its "cameras" tab (#camera-list) is the staff's;
   *                   the control bar's #cameras button opens it
   * @param signaling  the room's RoomSignaling: the camera events (CAMERA_EVENTS) come to us
   */
  constructor({ t, request, tiles, noteProducer, may, notify, panel, signaling }) {
    Object.assign(this, { t, request, tiles, noteProducer, may, notify, panel });
    for (const [event, method] of Object.entries(CAMERA_EVENTS)) signaling.on(event, (e) => this[method](e));
    const onVideo = tiles.onVideo; // time a camera's first frame too
    tiles.onVideo = (video) => {
      onVideo(video);
      this.watchVideo(video);
    };
    this.list = byId("camera-list");
    this.cameras = new Map(); // tile id -> camera info (from the server)
    this.clips = new Set(); // camera ids with a clip running
    this.times = new Map(); // camera id -> {clicked, acked, firstFrame}: attach-to-first-frame
    panel.offer("cameras", this.staff);
    const toggle = byId("cameras");
    toggle.hidden = !this.staff;
    toggle.onclick = () => (panel.visible("cameras") && !isWide() ? panel.hide() : panel.show("cameras"));
  }

  get staff() {
    return this.may("camera.attach");
  }

  /** After every (re)join: the join answer's cameras are the truth. */
  reset(cameras) {
    for (const id of this.cameras.keys()) this.tiles.remove(id);
    this.cameras.clear();
    for (const camera of cameras || []) this.add(camera);
  }

  add(camera) {
    this.cameras.set(camera.id, camera);
    const entry = this.tiles.add({ id: camera.id, name: camera.name, role: "camera" }, camera.name);
    entry.tile.classList.add("camera-tile");
    entry.tile.dataset.cameraId = camera.cameraId;
    entry.tile.dataset.testid = "camera-tile";
    this.decorate(entry.tile, camera);
    for (const producer of camera.producers || []) this.noteProducer(producer);
  }

  remove(event) {
    this.cameras.delete(event.id);
    this.clips.delete(event.cameraId);
    this.tiles.remove(event.id);
    if (this.panel.visible("cameras")) this.refreshPanel();
  }

  state(event) {
    const camera = this.cameras.get(event.id);
    if (!camera) return;
    camera.state = { ...camera.state, ...event };
    this.showState(this.tiles.get(event.id)?.tile, camera);
    if (this.panel.visible("cameras")) this.refreshPanel();
  }

  shared(event) {
    const camera = this.cameras.get(event.id);
    if (!camera) return;
    camera.shared = event.shared;
    const tile = this.tiles.get(event.id)?.tile;
    if (tile) this.showShared(tile, camera);
  }

  // -- the tile --------------------------------------------------------------------------
  decorate(tile, camera) {
    tile.querySelector(".camera-state")?.remove();
    tile.querySelector(".camera-bar")?.remove();
    tile.append(el("span", { className: "camera-state", dataset: { testid: "camera-state" } }));
    this.showState(tile, camera);
    if (!this.staff) return;
    const id = camera.cameraId;
    const button = (testid, key, onclick, className = "") =>
      el("button", { className, dataset: { testid, cameraId: id }, text: this.t(key), onclick });
    const bar = el("div", { className: "camera-bar" });
    if (this.may("room.moderate")) {
      bar.append(button("camera-share", "camera_share", () => this.share(camera)));
    }
    if (this.may("camera.capture")) {
      bar.append(
        button("camera-snapshot", "camera_snapshot", () => this.snapshot(id)),
        button("camera-clip", "camera_clip_start", () => this.clip(id)),
      );
    }
    bar.append(button("camera-detach", "camera_detach", () => this.detach(id), "danger"));
    if (this.may("camera.control") && camera.state?.source === "gb28181") {
      const pad = el("div", { className: "ptz" });
      for (const [testid, key, move] of PTZ) {
        const b = button(testid, key, () => {});
        b.onpointerdown = () => this.request("camera-ptz", { cameraId: id, ...move, speed: 96 });
        b.onpointerup = b.onpointerleave = () => this.request("camera-ptz", { cameraId: id });
        pad.append(b);
      }
      bar.append(pad);
    }
    tile.append(bar);
    this.showShared(tile, camera);
  }

  showState(tile, camera) {
    const badge = tile?.querySelector(".camera-state");
    if (!badge) return;
    const state = camera.state?.state || "connecting";
    badge.dataset.state = state;
    badge.textContent = state === "online" ? "" : this.t(`camera_state_${state}`);
    badge.title = camera.state?.message || "";
  }

  showShared(tile, camera) {
    const button = tile.querySelector('[data-testid="camera-share"]');
    if (!button) return;
    button.textContent = this.t(camera.shared ? "camera_unshare" : "camera_share");
    button.setAttribute("aria-pressed", String(Boolean(camera.shared)));
    tile.dataset.shared = String(Boolean(camera.shared));
  }

  // -- actions -------------------------------------------------------------------------------
  async share(camera) {
    const ack = await this.request("camera-share", { cameraId: camera.cameraId, shared: !camera.shared });
    if (!ack.ok) return this.notify(ack.error.code);
    this.shared({ id: camera.id, shared: ack.shared });
  }

  async snapshot(cameraId) {
    const ack = await this.request("camera-snapshot", { cameraId });
    if (!ack.ok) return this.notify(ack.error.code);
    this.notify("camera_evidence_saved", { id: ack.evidence.evidenceId });
  }

  async clip(cameraId) {
    const running = this.clips.has(cameraId);
    const ack = await this.request(running ? "camera-clip-stop" : "camera-clip-start", { cameraId });
    if (!ack.ok) return this.notify(ack.error.code);
    if (running) this.clips.delete(cameraId);
    else this.clips.add(cameraId);
    const button = this.tileOf(cameraId)?.querySelector('[data-testid="camera-clip"]');
    if (button) {
      button.textContent = this.t(running ? "camera_clip_start" : "camera_clip_stop");
      button.classList.toggle("on", !running);
    }
    this.notify(running ? "camera_evidence_saved" : "camera_clip_running", { id: ack.evidence.evidenceId });
  }

  async detach(cameraId) {
    const ack = await this.request("camera-detach", { cameraId });
    if (!ack.ok) this.notify(ack.error.code);
  }

  tileOf(cameraId) {
    return this.tiles.get(`camera:${cameraId}`)?.tile;
  }

  // -- the panel's tab: cameras to put into the room ---------------------------------------------
  /** The panel showed or hid the cameras tab (Panel's onShow). */
  showPanel(visible) {
    if (visible && this.staff) this.refreshPanel();
  }

  async refreshPanel() {
    const ack = await this.request("camera-list", {});
    const list = this.list;
    if (!ack.ok) {
      list.replaceChildren(el("li", { className: "empty", text: this.t(ack.error.code) }));
      return;
    }
    if (!ack.cameras.length) {
      list.replaceChildren(el("li", { className: "empty", text: this.t("camera_none") }));
      return;
    }
    list.replaceChildren(...ack.cameras.map((c) => el("li", { dataset: { cameraId: c.id } },
      el("span", { className: "who", text: c.name }),
      el("span", { className: "where", text: c.location || "" }),
      el("span", { className: `state s-${c.state}`, text: this.t(`camera_state_${c.state}`) }),
      c.attached
        ? el("span", { className: "attached", text: this.t("camera_attached") })
        : el("button", {
          text: this.t("camera_attach"),
          dataset: { testid: "camera-attach", cameraId: c.id },
          onclick: () => this.attach(c.id),
        }))));
  }

  async attach(cameraId) {
    const times = { clicked: performance.now(), acked: null, firstFrame: null };
    this.times.set(cameraId, times);
    const ack = await this.request("camera-attach", { cameraId });
    if (!ack.ok) return this.notify(ack.error.code);
    times.acked = performance.now();
    if (!this.cameras.has(ack.camera.id)) this.add(ack.camera);
    this.refreshPanel();
  }

  /** A video element got a track (TileGrid's onVideo): time a camera's first frame. */
  watchVideo(video) {
    const tile = video.closest(".tile");
    if (!tile || !isCameraTile(tile.dataset.participantId)) return;
    const times = this.times.get(tile.dataset.cameraId);
    if (!times || times.firstFrame !== null) return;
    const done = () => {
      if (times.firstFrame === null) times.firstFrame = performance.now() - times.clicked;
    };
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(done);
    else video.addEventListener("playing", done, { once: true });
  }
}
