// The recording page's timing, pure: one master clock for every track, and which
// segments to fetch or drop around the playhead. Times are session seconds (0 = the
// session's first frame); segments are placed by the recording's timing map (`start`).

export const DRIFT_S = 0.12; // a track further than this from the master clock is moved back
export const AHEAD_S = 20; // segments fetched this far ahead of the playhead
export const BEHIND_S = 30; // and dropped from the buffers this far behind it

/** The master clock: `now` is a monotonic clock in milliseconds (performance.now). */
export class MasterClock {
  constructor(now = () => performance.now()) {
    this.clockMs = now;
    this.t0 = 0; // wall-clock time (Unix s) of the session's first frame
    this.duration = 0;
    this.offset = 0; // session time at `base`
    this.base = 0; // clockMs() when play started
    this.playing = false;
  }

  now() {
    return this.playing ? Math.min(this.duration, this.offset + (this.clockMs() - this.base) / 1000) : this.offset;
  }

  play() {
    this.base = this.clockMs();
    this.playing = true;
  }

  pause() {
    this.offset = this.now();
    this.playing = false;
  }

  seek(t) {
    this.offset = Math.max(0, Math.min(this.duration, t));
    this.base = this.clockMs();
  }
}

/** The session's span over every track's segments: {t0 (Unix s), duration (s)}. */
export function sessionSpan(tracks) {
  const segments = tracks.flatMap((t) => t.segments);
  if (!segments.length) return { t0: 0, duration: 0 };
  const t0 = Math.min(...segments.map((s) => s.start));
  return { t0, duration: Math.max(...segments.map((s) => s.start + s.duration)) - t0 };
}

/** Segments with their place on the session clock: `at` and `end` (session s). */
export const placeSegments = (segments, t0) =>
  segments.map((s) => ({ ...s, at: s.start - t0, end: s.start - t0 + s.duration }));

/** Placed segments around session time t that aren't loaded yet, in order. */
export const segmentsToFetch = (segments, t, loaded, aheadS = AHEAD_S) =>
  segments.filter((s) => s.end > t - 1 && s.at < t + aheadS && !loaded.has(s.seq));

/** Loaded segments that ended more than behindS before t. */
export const staleSegments = (segments, t, loaded, behindS = BEHIND_S) =>
  segments.filter((s) => loaded.has(s.seq) && s.end < t - behindS);

/** "m:ss" of session seconds. */
export const minutesSeconds = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

/** The peak of an analyser's byte time-domain data, 0..1 (the audio level bar). */
export const peakLevel = (data) => data.reduce((m, v) => Math.max(m, Math.abs(v - 128)), 0) / 128;
