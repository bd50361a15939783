// The tiles of a wall screen, drawn from the hub's `sync` answer. Video elements are kept
// per producer across redraws (a tour's next stream plays hidden in its tile before it is
// shown, then only changes class: no black gap); each tile says what it shows (case title,
// organisation, severity colour, participants, 录制中).

import { el } from "../lib/dom.js";
import { gridArea, producerIds, severityClass } from "./layout.js";

export class WallTiles {
  /**
   * @param container  the screen element (a CSS grid)
   * @param t          the page's translator
   */
  constructor(container, t, { documentRef = document, onEvent = () => {} } = {}) {
    this.container = container;
    this.onEvent = onEvent; // ("track" | "frame", producer id): first-frame timing
    this.t = t;
    this.document = documentRef;
    this.tiles = new Map(); // tile number -> {node, stage, caption parts, ...}
    this.feeds = new Map(); // producer id -> {node, video, tile, audio?}
    this.tracks = new Map(); // producer id -> MediaStreamTrack
    this.state = null;
  }

  /** A remote track arrived (Subscriber's onTrack). */
  deliver(producerId, track) {
    this.onEvent("track", producerId);
    this.tracks.set(producerId, track);
    track.addEventListener("ended", () => {
      if (this.tracks.get(producerId) === track) this.tracks.delete(producerId);
    });
    const feed = this.feeds.get(producerId);
    if (feed) this.attach(feed, track);
  }

  attach(feed, track) {
    const media = track.kind === "audio" ? feed.audio : feed.video;
    if (!media || (media.srcObject && media.srcObject.getTracks()[0] === track)) return;
    media.srcObject = new MediaStream([track]);
    media.play().catch(() => {});
  }

  render(state) {
    this.state = state;
    const layout = state.screen.layout;
    this.container.style.gridTemplateRows = `repeat(${layout.rows}, minmax(0, 1fr))`;
    this.container.style.gridTemplateColumns = `repeat(${layout.cols}, minmax(0, 1fr))`;
    this.container.classList.toggle("enlarged", state.screen.enlarged !== null);
    const seen = new Set();
    state.tiles.forEach((entry, index) => {
      const tile = this.tile(entry.tile, layout.cells[index]);
      this.fill(tile, entry, state, seen);
      tile.node.classList.toggle("big", state.screen.enlarged === entry.tile);
      tile.node.hidden = state.screen.enlarged !== null && state.screen.enlarged !== entry.tile;
    });
    for (const [number, tile] of this.tiles) {
      if (number > state.tiles.length) {
        tile.node.remove();
        this.tiles.delete(number);
      }
    }
    for (const [producerId, feed] of this.feeds) {
      if (!seen.has(producerId)) this.dropFeed(producerId, feed);
    }
  }

  tile(number, cell) {
    let tile = this.tiles.get(number);
    if (!tile) {
      const stage = el("div", { className: "stage" });
      const title = el("strong", { className: "case-title" });
      const org = el("span", { className: "org" });
      const recording = el("span", { className: "rec", hidden: true }, el("i"), this.t("recording"));
      const tour = el("span", { className: "tour-badge", hidden: true });
      const caption = el("header", { className: "caption" }, el("span", { className: "sev-dot" }), title, org, tour, recording);
      const people = el("footer", { className: "people" });
      const placeholder = el("div", { className: "placeholder" });
      const alarm = el("div", { className: "alarm", hidden: true, dataset: { testid: "wall-alarm" } });
      const node = el("section", { className: "tile", dataset: { testid: "wall-tile", tile: String(number) } }, stage, caption, alarm, people, placeholder);
      this.container.appendChild(node);
      tile = { number, node, stage, title, org, recording, tour, people, placeholder, alarm };
      this.tiles.set(number, tile);
    }
    if (cell) Object.assign(tile.node.style, gridArea(cell));
    return tile;
  }

  fill(tile, entry, state, seen) {
    const shown = entry.shown || null;
    const label = shown && shown.label;
    tile.node.dataset.key = shown ? shown.key : "";
    tile.node.className = ["tile", severityClass(label && label.severity, state.severityLevels)].filter(Boolean).join(" ");
    tile.node.classList.toggle("empty", !shown);
    tile.node.classList.toggle("idle", Boolean(shown) && !shown.live);
    tile.title.textContent = shown ? (label && (label.caseTitle || label.roomName)) || this.t("camera") : "";
    tile.org.textContent = (label && label.organisation) || "";
    tile.recording.hidden = !(shown && shown.recording);
    const alarms = (shown && shown.alarms) || [];
    const loudest = alarms.reduce((top, a) => {
      const rank = (state.severityLevels || []).indexOf(a.level);
      return rank > top.rank ? { rank, level: a.level } : top;
    }, { rank: -1, level: null });
    tile.alarm.hidden = alarms.length === 0;
    tile.alarm.textContent = alarms.map((a) => this.t(`alarm_${a.kind}`)).join(" · ");
    tile.alarm.style.background = (loudest.level && (state.levelColours || {})[loudest.level]) || "";
    tile.node.classList.toggle("alarming", alarms.some((a) => !a.cleared));
    const tour = entry.tour;
    tile.tour.hidden = !tour;
    if (tour) tile.tour.textContent = tour.paused ? this.t("tour_paused") : this.t("tour", { i: tour.index + 1, n: tour.steps });
    const names = shown ? shown.participants.map((p) => p.name) : [];
    tile.people.textContent = names.length ? `${this.t("people", { n: names.length })} · ${names.join("、")}` : "";
    let placeholder = "";
    if (!shown) placeholder = this.t("empty_tile", { n: entry.tile });
    else if (!shown.live) placeholder = this.t("not_live");
    else if (!producerIds(shown).length) placeholder = this.t("waiting_video");
    tile.placeholder.textContent = placeholder;
    tile.placeholder.hidden = !placeholder;
    const visible = new Set(state.visible || []);
    const shownIds = visible.has(entry.tile) ? producerIds(shown) : [];
    const upIds = visible.has(entry.tile) ? producerIds(entry.upcoming) : [];
    const audioIds = visible.has(entry.tile) ? producerIds(shown, "audio") : [];
    const names2 = new Map([...(shown ? shown.producers : []), ...(entry.upcoming ? entry.upcoming.producers : [])].map((p) => [p.producerId, p.name]));
    for (const id of [...shownIds, ...upIds, ...audioIds]) {
      seen.add(id);
      const feed = this.feed(id, tile, names2.get(id), audioIds.includes(id));
      feed.node.classList.toggle("up", upIds.includes(id) && !shownIds.includes(id));
    }
    tile.stage.className = `stage n${Math.min(shownIds.length, 4)}`;
  }

  feed(producerId, tile, name, audio) {
    let feed = this.feeds.get(producerId);
    if (feed && feed.tile !== tile) {
      this.dropFeed(producerId, feed); // moved to another tile: a fresh element there
      feed = null;
    }
    if (!feed) {
      if (audio) {
        const node = el("audio", { autoplay: true, dataset: { producerId } });
        tile.stage.appendChild(node);
        feed = { node, audio: node, tile };
      } else {
        const video = el("video", { autoplay: true, muted: true, playsInline: true, dataset: { producerId } });
        video.setAttribute("playsinline", "");
        if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(() => this.onEvent("frame", producerId));
        const node = el("div", { className: "feed", dataset: { producerId } }, video, el("span", { className: "feed-name", text: name || "" }));
        tile.stage.appendChild(node);
        feed = { node, video, tile };
      }
      this.feeds.set(producerId, feed);
      const track = this.tracks.get(producerId);
      if (track) this.attach(feed, track);
    }
    return feed;
  }

  dropFeed(producerId, feed) {
    const media = feed.video || feed.audio;
    if (media) media.srcObject = null;
    feed.node.remove();
    this.feeds.delete(producerId);
  }

  /** A tour's switch time came: show the tile's upcoming streams now (if they have a
   * picture), before the hub's next answer confirms it. */
  promote(number) {
    const entry = this.state && this.state.tiles.find((e) => e.tile === number);
    if (!entry || !entry.upcoming) return false;
    const ids = producerIds(entry.upcoming);
    const ready = ids.every((id) => {
      const feed = this.feeds.get(id);
      return feed && feed.video && feed.video.videoWidth > 0;
    });
    if (!ready) return false;
    for (const id of producerIds(entry.shown)) this.feeds.get(id)?.node.classList.add("up");
    for (const id of ids) this.feeds.get(id)?.node.classList.remove("up");
    return true;
  }

  /** For tests and diagnostics: what each tile shows and whether its pictures play. */
  snapshot() {
    return [...this.tiles.values()].map((tile) => {
      const videos = [...tile.stage.querySelectorAll(".feed:not(.up) video")];
      return {
        tile: tile.number,
        key: tile.node.dataset.key,
        hidden: tile.node.hidden,
        producers: videos.map((v) => v.dataset.producerId),
        playing: videos.length > 0 && videos.every((v) => v.videoWidth > 0 && !v.paused),
        title: tile.title.textContent,
        recording: !tile.recording.hidden,
        alarm: tile.alarm.hidden ? "" : tile.alarm.textContent,
      };
    });
  }
}
