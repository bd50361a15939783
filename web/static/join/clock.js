// The session timer and the recording badge's elapsed time, on the hub's clock: the
// join answer says when the session started (`startedAt`) and what time it was then
// on the hub (`serverTime`), so a phone whose clock is off still counts right.

/** "mm:ss" under an hour, "h:mm:ss" after. */
export function formatElapsed(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, "0");
  const ss = String(s % 60).padStart(2, "0");
  return hh ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** The hub's "now" in epoch seconds, from a server time seen at a local moment. */
export class HubClock {
  constructor(now = () => Date.now() / 1000) {
    this.now = now;
    this.offset = 0; // hub minus local, seconds
  }

  sync(serverTime) {
    if (typeof serverTime === "number") this.offset = serverTime - this.now();
  }

  /** Seconds since `epoch` (hub time). */
  since(epoch) {
    return this.now() + this.offset - epoch;
  }
}

/**
 * Ticks once a second: writes the session's elapsed time into `timer` and, while a
 * recording runs, the recording's into `recordingTime`.
 */
export class SessionClock {
  constructor({ timer, recordingTime, clock = new HubClock() }) {
    this.timer = timer;
    this.recordingTime = recordingTime;
    this.clock = clock;
    this.startedAt = null;
    this.recordingStartedAt = null;
    this.handle = null;
  }

  start(startedAt, serverTime) {
    this.clock.sync(serverTime);
    this.startedAt = startedAt;
    this.tick();
    if (!this.handle) this.handle = setInterval(() => this.tick(), 1000);
  }

  recording(startedAt) {
    this.recordingStartedAt = typeof startedAt === "number" ? startedAt : null;
    this.tick();
  }

  tick() {
    if (this.timer && this.startedAt !== null) {
      this.timer.textContent = formatElapsed(this.clock.since(this.startedAt));
      this.timer.hidden = false;
    }
    if (this.recordingTime) {
      this.recordingTime.textContent =
        this.recordingStartedAt === null ? "" : formatElapsed(this.clock.since(this.recordingStartedAt));
    }
  }

  stop() {
    clearInterval(this.handle);
    this.handle = null;
  }
}
