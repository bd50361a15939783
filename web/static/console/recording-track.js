// One track of a recording, played back: a media element fed segment by segment through
// Media Source Extensions, following the page's master clock (playback.js).
import { el } from "../lib/dom.js";
import { BEHIND_S, DRIFT_S, placeSegments, segmentsToFetch, staleSegments } from "./playback.js";

const MIME = {
  "video/webm": 'video/webm; codecs="vp8"',
  "audio/webm": 'audio/webm; codecs="opus"',
  "video/mpegts": 'video/mp2t; codecs="avc1.42e01f"',
};

/**
 * What a track is, in people's words: "张三 · 摄像头", "张三 · 麦克风", "张三 · 屏幕共享".
 * (A camera's stream carries its microphone too: its audio is the microphone.)
 */
export function trackLabel(t, info) {
  const screen = info.source === "screen";
  const what = info.kind === "video" ? (screen ? "source_screen" : "source_camera")
    : (screen ? "source_screen_audio" : "source_mic");
  return `${info.name || t("someone")} · ${t(what)}`;
}

/**
 * Why a track has nothing to play at session time `at`: paused (muted, camera off,
 * by whom), not joined yet, left; null when it should have media. Pure.
 * track: {kind, first, last, joinedAt, leftAt, pauses: [{at, end, by}], segments}.
 */
export function missingReason(track, at) {
  const pause = track.pauses.find((p) => p.at - 0.5 <= at && (p.end === null || at < p.end + 0.5));
  if (pause) {
    const what = track.kind === "video" ? "camera_off" : "muted";
    return pause.by === "moderator" ? `${what}_by_mediator` : what;
  }
  if (at < track.first) return track.joinedAt !== null && at < track.joinedAt ? "not_joined_yet" : "not_started";
  if (at >= track.last) return track.leftAt !== null && at >= track.leftAt - 1 ? "left_room" : "ended";
  if (!track.segments.some((s) => s.at <= at && at < s.end)) return "no_media_here";
  return null;
}

export class Track {
  /**
   * info: the track from GET /recordings/<id>/tracks; t0: the session's start (Unix s);
   * fetchSegment(url) -> ArrayBuffer; t: the page's translator.
   */
  constructor(info, t0, { fetchSegment, t }) {
    this.info = info;
    this.t = t;
    this.fetchSegment = fetchSegment;
    this.segments = placeSegments(info.segments, t0);
    this.first = this.segments[0].at;
    this.last = this.segments[this.segments.length - 1].end;
    this.kind = info.kind;
    const session = (unix) => (typeof unix === "number" ? unix - t0 : null);
    this.joinedAt = session(info.joinedAt);
    this.leftAt = session(info.leftAt);
    this.pauses = (info.pauses || []).map((p) => ({ at: session(p.from), end: session(p.to), by: p.by }));
    this.loaded = new Set();
    this.appendedSeqs = new Set(); // segments whose bytes are in the buffer
    this.queue = Promise.resolve();
    this.mime = MIME[`${info.kind}/${info.container}`] || MIME[`video/${info.container}`];
    this.supported = Boolean(window.MediaSource && MediaSource.isTypeSupported(this.mime));
    this.root = this.render();
    if (this.supported) this.ready = this.open();
  }

  render() {
    const { info, t } = this;
    this.el = el(info.kind === "video" ? "video" : "audio", { playsInline: true, preload: "auto" });
    this.veil = el("div", { className: "veil", dataset: { testid: "recording-veil" } });
    this.veil.hidden = true;
    const meta = el("div", {
      className: "meta",
      dataset: { testid: "recording-track-label" },
      text: trackLabel(t, info),
      // the technical details, for whoever needs them
      title: `${info.id} · ${info.codec} · ` +
        t(info.alignedBy === "sender-clock" ? "aligned_sender" : "aligned_arrival"),
    });
    const box = el("div", { className: `track ${info.kind}`, dataset: { testid: "recording-tile", trackId: info.id } });
    if (info.kind === "video") box.append(this.el, this.veil, meta);
    else {
      this.level = el("i");
      box.append(this.el, this.veil, el("div", { className: "bar-level" }, this.level), meta);
    }
    if (!this.supported) this.say(t("unsupported") + ` (${info.codec})`);
    return box;
  }

  say(text, code) {
    this.veil.hidden = !text;
    this.veil.textContent = text || "";
    this.veil.dataset.reason = code || "";
  }

  open() {
    return new Promise((resolve) => {
      this.source = new MediaSource();
      this.source.addEventListener("sourceopen", () => {
        this.buffer = this.source.addSourceBuffer(this.mime);
        // "sequence": each segment lands where timestampOffset says, whatever
        // timestamps its container starts from. (It closes up a pause inside a segment:
        // the pause's span is covered by the pause log, missingReason, and the segment's
        // tail shows as a hole. "segments" mode would keep the gap in our WebM segments;
        // see docs/evidence.md for why the page doesn't use it yet.)
        this.buffer.mode = "sequence";
        resolve();
      }, { once: true });
      this.el.src = URL.createObjectURL(this.source);
    });
  }

  appended() {
    return new Promise((resolve, reject) => {
      this.buffer.addEventListener("updateend", resolve, { once: true });
      this.buffer.addEventListener("error", reject, { once: true });
    });
  }

  /** Fetch and append the segments around session time t (one at a time, in order). */
  fill(t) {
    if (!this.supported || this.broken) return;
    for (const segment of segmentsToFetch(this.segments, t, this.loaded)) {
      this.loaded.add(segment.seq);
      this.queue = this.queue.then(async () => {
        await this.ready;
        const bytes = await this.fetchSegment(segment.url);
        this.buffer.timestampOffset = segment.at;
        const done = this.appended();
        this.buffer.appendBuffer(bytes);
        await done;
        this.appendedSeqs.add(segment.seq);
      }).catch((err) => {
        console.warn("segment", segment.file, err);
        if (this.source.readyState === "open") this.loaded.delete(segment.seq); // fetch again
        else this.broken = segment.file; // the browser could not decode it: say so, once
      });
    }
    const stale = staleSegments(this.segments, t, this.loaded);
    if (stale.length) {
      this.queue = this.queue.then(async () => {
        const done = this.appended();
        this.buffer.remove(0, t - BEHIND_S);
        await done;
        for (const s of stale) {
          this.loaded.delete(s.seq);
          this.appendedSeqs.delete(s.seq);
        }
      }).catch(() => {});
    }
  }

  buffered(t) {
    const ranges = this.el.buffered;
    for (let i = 0; i < ranges.length; i++) if (ranges.start(i) - 0.05 <= t && t < ranges.end(i)) return true;
    return false;
  }

  /** Is t a hole: its segment is in the buffer, but nothing was recorded at t? */
  hole(t) {
    const segment = this.segments.find((s) => s.at <= t && t < s.end);
    return Boolean(segment && this.appendedSeqs.has(segment.seq) && !this.buffered(t));
  }

  /** Follow the master clock. */
  sync(t, playing) {
    if (!this.supported) return;
    if (this.broken) {
      this.say(`${this.t("unplayable")} (${this.broken})`);
      return;
    }
    const why = missingReason(this, t);
    const paused = this.pauses.some((p) => p.at <= t && (p.end === null || t < p.end));
    if (why && (paused || t < this.first || t >= this.last || !this.buffered(t))) {
      if (!this.el.paused) this.el.pause();
      this.say(this.t(why), why);
      return;
    }
    if (!this.buffered(t)) {
      // a hole in a loaded segment: nothing was recorded here (the element waits for t)
      const hole = this.hole(t) ? "no_media_here" : "loading";
      if (!this.el.paused) this.el.pause();
      this.say(this.t(hole), hole);
      return;
    }
    this.say(null);
    if (Math.abs(this.el.currentTime - t) > DRIFT_S) this.el.currentTime = t;
    if (playing && this.el.paused) this.el.play().catch(() => {});
    if (!playing && !this.el.paused) this.el.pause();
  }

  meter(analyser) {
    this.analyser = analyser;
  }

  state(t) {
    return {
      id: this.info.id,
      kind: this.info.kind,
      active: this.supported && t >= this.first && t < this.last && missingReason(this, t) === null
        && !this.hole(t),
      reason: this.veil.hidden ? null : this.veil.dataset.reason,
      label: trackLabel(this.t, this.info),
      supported: this.supported,
      currentTime: this.el.currentTime,
      paused: this.el.paused,
      readyState: this.el.readyState,
      videoWidth: this.el.videoWidth || 0,
    };
  }
}
