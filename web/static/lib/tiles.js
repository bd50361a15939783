// Video tiles: one per remote participant, its <video> and <audio> elements carrying
// data-producer-id (a public contract, DESIGN.md). Used by the room page and the wall.

/** The grid's class for n tiles: the CSS lays out 1, 2, 3 and 4+ differently. */
export const gridClass = (n) => `tiles n${Math.min(n, 4)}`;

/** What a tile shows in place of a camera that is off: the name's first character. */
export const initial = (name) => [...String(name || "").trim()][0] || "?";

/**
 * Media elements that may play sound. iOS lets a page play remote media only from
 * elements started inside a user gesture: call unlock() in the click handler (it must stay
 * synchronous there), then take() elements for tiles later.
 */
export class MediaPool {
  constructor(documentRef = document) {
    this.document = documentRef;
    this.entries = [];
  }

  make(kind) {
    const node = this.document.createElement(kind);
    node.autoplay = true;
    if (kind === "video") {
      node.playsInline = true;
      node.setAttribute("playsinline", "");
    }
    return node;
  }

  unlock(count = 8) {
    for (let i = 0; i < count; i++) {
      const video = this.make("video");
      const audio = this.make("audio");
      video.play().catch(() => {});
      audio.play().catch(() => {});
      this.entries.push({ video, audio });
    }
  }

  /** An unused unlocked element of this kind, or a new one. */
  take(kind) {
    const entry = this.entries.find((e) => e[kind] && !e[kind].isConnected && !e[kind].srcObject);
    return entry ? entry[kind] : this.make(kind);
  }
}

/**
 * The tiles of one room. A tile is made from `template` (a <template> whose first element
 * holds a <video> and, optionally, .tile-name, .tile-muted, .quality, .tile-hand and a
 * .tile-placeholder with .placeholder-initial and .placeholder-name) and appended to
 * `container`. A tile's camera is "off" (data-video="off": the placeholder shows, never a
 * frozen last frame) until a video track arrives, and whenever setVideoOff() says so. Tracks may arrive before their participant is known: they wait.
 *   ownerOf(producerId) -> participant id (the subscriber knows)
 *   onChange(tiles)     -> after a tile is added or removed (layout)
 *   onVideo(video)      -> a video element got a track (first-frame timing)
 */
/**
 * The simulcast layer a tile should receive: "low" when the grid holds `count` tiles (three
 * or more share the screen, or a wall's grid) or the tile is under 300 CSS px wide, else
 * "high" (a speaker view, a one-to-one session).
 */
export function layerForTile(count, width = Infinity) {
  return count >= 3 || width < 300 ? "low" : "high";
}

export class TileGrid {
  constructor(container, template, { pool = new MediaPool(), ownerOf = () => undefined, onChange = () => {}, onVideo = () => {} } = {}) {
    this.container = container;
    this.template = template;
    this.pool = pool;
    this.ownerOf = ownerOf;
    this.onChange = onChange;
    this.onVideo = onVideo;
    this.tiles = new Map(); // participant id -> {id, name, role, tile, producers: Map(producer id -> kind)}
    this.pending = new Map(); // producer id -> track whose participant isn't known yet
  }

  get size() {
    return this.tiles.size;
  }

  get(participantId) {
    return this.tiles.get(participantId);
  }

  values() {
    return this.tiles.values();
  }

  /** Add (or update) a participant's tile; `label` is the text under the video. */
  add(participant, label = participant.name) {
    let entry = this.tiles.get(participant.id);
    if (!entry) {
      const tile = this.template.content.firstElementChild.cloneNode(true);
      const video = this.pool.take("video");
      tile.replaceChild(video, tile.querySelector("video"));
      video.muted = true; // sound plays through the participant's <audio>
      tile.dataset.participantId = participant.id;
      tile.dataset.video = "off";
      this.container.appendChild(tile);
      entry = { id: participant.id, name: participant.name, role: participant.role, tile, producers: new Map() };
      this.tiles.set(participant.id, entry);
    }
    const name = entry.tile.querySelector(".tile-name");
    if (name) name.textContent = label;
    const placeholderName = entry.tile.querySelector(".placeholder-name");
    if (placeholderName) placeholderName.textContent = participant.name;
    const placeholderInitial = entry.tile.querySelector(".placeholder-initial");
    if (placeholderInitial) placeholderInitial.textContent = initial(participant.name);
    for (const [producerId, track] of this.pending) {
      if (this.ownerOf(producerId) === participant.id && track.readyState === "live") {
        this.pending.delete(producerId);
        this.attach(entry, producerId, track);
      }
    }
    this.onChange(this);
    return entry;
  }

  remove(participantId) {
    const entry = this.tiles.get(participantId);
    if (!entry) return;
    for (const node of entry.tile.querySelectorAll("video, audio")) {
      node.srcObject = null;
      delete node.dataset.producerId; // the pool hands these elements out again
    }
    entry.tile.remove();
    this.tiles.delete(participantId);
    this.onChange(this);
  }

  clear() {
    for (const id of [...this.tiles.keys()]) this.remove(id);
  }

  /** A remote track: onto its participant's tile, or kept until the participant is known. */
  deliver(producerId, track) {
    const entry = this.tiles.get(this.ownerOf(producerId));
    if (entry) this.attach(entry, producerId, track);
    else this.pending.set(producerId, track);
  }

  attach(entry, producerId, track) {
    const tile = entry.tile;
    entry.producers.set(producerId, track.kind);
    if (track.kind === "video") {
      const video = tile.querySelector("video");
      video.dataset.producerId = producerId;
      tile.dataset.producerId = producerId;
      video.srcObject = new MediaStream([track]);
      video.play().catch(() => {});
      if (!entry.videoPaused) tile.dataset.video = "on";
      this.onVideo(video);
    } else {
      tile.querySelector(`audio[data-producer-id="${CSS.escape(producerId)}"]`)?.remove();
      const audio = this.pool.take("audio");
      audio.dataset.producerId = producerId;
      audio.srcObject = new MediaStream([track]);
      tile.appendChild(audio);
      audio.play().catch(() => {});
    }
  }

  /** A producer went away: its elements stop and lose their producer id. */
  drop(participantId, producerId) {
    const entry = this.tiles.get(participantId);
    if (!entry) return;
    entry.producers.delete(producerId);
    for (const node of entry.tile.querySelectorAll(`[data-producer-id="${CSS.escape(producerId)}"]`)) {
      if (node.tagName === "AUDIO") {
        node.srcObject = null;
        node.remove();
      } else {
        delete node.dataset.producerId;
        if (node.tagName === "VIDEO") {
          node.srcObject = null;
          entry.tile.dataset.video = "off";
        }
      }
    }
  }

  /** The participant's camera is off (paused, or none): the placeholder shows instead. */
  setVideoOff(participantId, off) {
    const entry = this.tiles.get(participantId);
    if (!entry) return;
    entry.videoPaused = off;
    const hasVideo = Boolean(entry.tile.querySelector("video")?.srcObject);
    entry.tile.dataset.video = !off && hasVideo ? "on" : "off";
  }

  /** The active speaker's tile carries .speaking (one at most; null: nobody). */
  setSpeaking(participantId) {
    for (const [id, entry] of this.tiles) entry.tile.classList.toggle("speaking", id === participantId);
  }

  /** A raised hand on the participant's tile. */
  setHand(participantId, raised) {
    const entry = this.tiles.get(participantId);
    if (!entry) return;
    entry.hand = raised;
    const badge = entry.tile.querySelector(".tile-hand");
    if (badge) badge.hidden = !raised;
  }

  /** The kind ("audio" | "video") of a producer shown on a participant's tile. */
  kindOf(participantId, producerId) {
    return this.tiles.get(participantId)?.producers.get(producerId);
  }

  setMuted(participantId, muted) {
    const entry = this.tiles.get(participantId);
    if (entry) entry.micMuted = muted;
    const badge = this.tiles.get(participantId)?.tile.querySelector(".tile-muted");
    if (badge) badge.hidden = !muted;
  }

  /** The quality badge: quality is "good" | "fair" | "poor" | null, text its label. */
  setQuality(participantId, quality, text) {
    const entry = this.tiles.get(participantId);
    if (!entry) return;
    const badge = entry.tile.querySelector(".quality");
    if (badge) {
      badge.className = `quality ${quality || ""}`;
      badge.textContent = text || "";
    }
    entry.tile.dataset.quality = quality || "";
  }

  /** [producer id, tile width in CSS px] of every video shown. */
  *videos() {
    for (const entry of this.tiles.values()) {
      for (const [producerId, kind] of entry.producers) {
        if (kind === "video") yield [producerId, entry.tile.clientWidth];
      }
    }
  }

  /** Ask prefer(producerId, layer) for each video's simulcast layer by its size (next frame). */
  preferLayers(prefer) {
    requestAnimationFrame(() => {
      for (const [producerId, width] of this.videos()) prefer(producerId, layerForTile(this.size, width));
    });
  }

  /** Forget tracks that never found their participant (after a reconnect). */
  forgetPending() {
    this.pending.clear();
  }
}
