// Two things a person in a video call needs to know at a glance, from WebRTC statistics:
// who is speaking now (the active speaker's tile is highlighted), and whether the others
// can hear and see me (no microphone or camera, muted, or nothing leaving this phone).
// The decisions are pure functions, unit-tested; Monitor reads the statistics.

/** Audio level (0..1) above which someone counts as speaking. */
export const SPEAKING_LEVEL = 0.03;
/** Seconds without a packet leaving before we say the sound isn't getting out. */
export const SILENT_AFTER_S = 3;

/** The participant id with the loudest level above the threshold, or null. */
export function loudest(levels, threshold = SPEAKING_LEVEL) {
  let best = null;
  let top = threshold;
  for (const [id, level] of levels) {
    if (typeof level === "number" && level > top) {
      best = id;
      top = level;
    }
  }
  return best;
}

/**
 * What to warn about, most serious first (keys of the page's string table):
 *   no_mic / mic_muted_by_mediator / mic_muted / not_sending   (not being heard)
 *   no_camera / camera_is_off                                  (not being seen)
 */
export function selfWarnings({ hasMic, hasCamera, micMuted, camOff, mutedByMediator, audioStalled }) {
  const heard = !hasMic
    ? "no_mic"
    : mutedByMediator
      ? "mic_muted_by_mediator"
      : micMuted
        ? "mic_muted"
        : audioStalled
          ? "not_sending"
          : null;
  const seen = !hasCamera ? "no_camera" : camOff ? "camera_is_off" : null;
  return [heard, seen].filter(Boolean);
}

/**
 * Is our sound getting out? Given the last sample {at, packets} and the publish connection's
 * outbound audio packet count now, returns {stalled, sample}.
 */
export function sendingCheck(prev, packets, now) {
  if (packets === undefined || packets === null) return { stalled: false, sample: prev };
  if (!prev || packets > prev.packets) return { stalled: false, sample: { at: now, packets } };
  return { stalled: (now - prev.at) / 1000 >= SILENT_AFTER_S, sample: prev };
}

/**
 * The sound level (RMS, 0..1) over the last interval from a stats entry's running totals
 * (totalAudioEnergy, totalSamplesDuration): unlike the instantaneous audioLevel, a short
 * word between two readings still counts. Returns {level, sample}.
 */
export function intervalLevel(prev, energy, duration) {
  if (typeof energy !== "number" || typeof duration !== "number") return { level: 0, sample: prev };
  const sample = { energy, duration };
  if (!prev || duration <= prev.duration) return { level: 0, sample };
  const meanSquare = (energy - prev.energy) / (duration - prev.duration);
  return { level: Math.sqrt(Math.max(0, meanSquare)), sample };
}

/** Reads levels and packet counts every `intervalMs`; calls onSpeaker(id|null, selfLevel)
 * and onSending(stalled). */
export class Monitor {
  constructor({ publisher, subscriber, onSpeaker, onSending, intervalMs = 500 }) {
    this.publisher = publisher;
    this.subscriber = subscriber;
    this.onSpeaker = onSpeaker;
    this.onSending = onSending;
    this.intervalMs = intervalMs;
    this.sample = null;
    this.energy = new Map(); // stats key -> last {energy, duration}
    this.handle = null;
    this.busy = false;
  }

  start() {
    if (!this.handle) this.handle = setInterval(() => this.tick(), this.intervalMs);
  }

  stop() {
    clearInterval(this.handle);
    this.handle = null;
  }

  level(key, s) {
    const { level, sample } = intervalLevel(this.energy.get(key), s.totalAudioEnergy, s.totalSamplesDuration);
    if (sample) this.energy.set(key, sample);
    return level;
  }

  async tick() {
    if (this.busy) return;
    this.busy = true;
    try {
      const levels = new Map();
      const sub = this.subscriber.pc;
      if (sub) {
        (await sub.getStats()).forEach((s) => {
          if (s.type !== "inbound-rtp" || s.kind !== "audio") return;
          const producerId = this.subscriber.midToProducer.get(s.mid);
          const owner = producerId && this.subscriber.ownerOf(producerId);
          if (!owner) return;
          const level = this.level(producerId, s);
          levels.set(owner, Math.max(levels.get(owner) || 0, level));
        });
      }
      let selfLevel = 0;
      let packets = null;
      const pub = this.publisher.pc;
      if (pub && this.publisher.producers.audio) {
        (await pub.getStats()).forEach((s) => {
          if (s.type === "media-source" && s.kind === "audio") selfLevel = this.level("self", s);
          if (s.type === "outbound-rtp" && s.kind === "audio") packets = s.packetsSent;
        });
      }
      if (selfLevel > SPEAKING_LEVEL) levels.set("self", selfLevel);
      this.onSpeaker(loudest(levels), selfLevel);
      const check = sendingCheck(this.sample, packets, performance.now());
      this.sample = check.sample;
      this.onSending(check.stalled);
    } catch (err) {
      console.warn("monitor", err);
    } finally {
      this.busy = false;
    }
  }
}
