// Connection quality from WebRTC statistics: per producer received (loss, bitrate,
// jitter, codec), per participant (a good / fair / poor grade), and the round trip.
// readStats() is pure over stats reports (Maps), so it is unit-tested without a browser.

/**
 * good / fair / poor from packet loss, round-trip time and the video bitrate received
 * (a video under ~150 kbps is a postage stamp; under ~60 kbps it freezes). A paused
 * camera sends (almost) nothing and doesn't count.
 */
export function grade(lossPct, rttMs, videoKbps) {
  const slow = (limit) => videoKbps !== null && videoKbps >= 5 && videoKbps < limit;
  if (lossPct >= 8 || (rttMs !== null && rttMs >= 600) || slow(60)) return "poor";
  if (lossPct >= 2 || (rttMs !== null && rttMs >= 300) || slow(150)) return "fair";
  return "good";
}

/** Round-trip time (ms) of a report's nominated candidate pair, or null. */
export function roundTrip(report) {
  let rtt = null;
  report?.forEach((s) => {
    if (s.type === "candidate-pair" && s.nominated && s.currentRoundTripTime !== undefined) {
      rtt = Math.round(s.currentRoundTripTime * 1000);
    }
  });
  return rtt;
}

/**
 * Loss and bitrate of one inbound stream since `prev`, a sample at least a second old
 * (whoever asks and how often). Returns the figures and, when `prev` is old enough (or
 * missing), the sample to keep for next time.
 */
export function inboundDelta(prev, s, now) {
  const seconds = prev ? (now - prev.at) / 1000 : 0;
  const lost = prev ? s.packetsLost - prev.packetsLost : 0;
  const got = prev ? s.packetsReceived - prev.packetsReceived : 0;
  return {
    lossPct: got + lost > 0 ? (100 * Math.max(lost, 0)) / (got + lost) : 0,
    bitrateKbps: seconds > 0 ? Math.round((8 * (s.bytesReceived - prev.bytesReceived)) / seconds / 1000) : null,
    sample: !prev || seconds >= 1
      ? { at: now, packetsLost: s.packetsLost, packetsReceived: s.packetsReceived, bytesReceived: s.bytesReceived }
      : null,
  };
}

/**
 * Everything the page shows about the connection, from the publish and subscribe
 * connections' reports (RTCStatsReport or Map; either may be null).
 *   midToProducer, producerOwner: Maps from the Subscriber
 *   samples: Map producer id -> last sample (updated here)
 *   participants: [{id, name}] whose summaries are wanted
 */
export function readStats({ pubReport = null, subReport = null, midToProducer, producerOwner, samples, participants = [], now, firstFrameMs = null }) {
  const result = { rttMs: roundTrip(pubReport), firstFrameMs, publish: {}, producers: {}, participants: {} };
  pubReport?.forEach((s) => {
    if (s.type === "outbound-rtp") {
      result.publish[s.kind] = { packetsSent: s.packetsSent, bytesSent: s.bytesSent, codecId: s.codecId };
    }
  });
  if (result.rttMs === null) result.rttMs = roundTrip(subReport);
  subReport?.forEach((s) => {
    if (s.type !== "inbound-rtp") return;
    const producerId = midToProducer.get(s.mid);
    if (!producerId) return;
    const delta = inboundDelta(samples.get(producerId), s, now);
    if (delta.sample) samples.set(producerId, delta.sample);
    result.producers[producerId] = {
      kind: s.kind,
      codec: subReport.get(s.codecId)?.mimeType,
      participantId: producerOwner.get(producerId),
      packetsReceived: s.packetsReceived,
      packetsLost: s.packetsLost,
      lossPct: delta.lossPct,
      bitrateKbps: delta.bitrateKbps,
      jitterMs: s.jitter !== undefined ? Math.round(s.jitter * 1000) : null,
      framesDecoded: s.framesDecoded,
      totalAudioEnergy: s.totalAudioEnergy,
      audioLevel: s.audioLevel,
    };
  });
  for (const participant of participants) {
    const mine = Object.values(result.producers).filter((p) => p.participantId === participant.id);
    if (!mine.length) continue;
    const video = mine.find((p) => p.kind === "video");
    const videoKbps = video ? video.bitrateKbps : null;
    const lossPct = Math.max(0, ...mine.map((p) => p.lossPct));
    result.participants[participant.id] = {
      name: participant.name,
      rttMs: result.rttMs,
      lossPct,
      bitrateKbps: mine.reduce((sum, p) => sum + (p.bitrateKbps || 0), 0),
      videoKbps,
      codec: video ? video.codec : null,
      quality: grade(lossPct, result.rttMs, videoKbps),
    };
  }
  return result;
}

/** readStats() over a live Publisher and Subscriber (lib/peers.js). */
export async function collectStats({ publisher, subscriber, samples, participants, firstFrameMs = null }) {
  const pubReport = publisher?.pc ? await publisher.pc.getStats() : null;
  const subReport = subscriber?.pc ? await subscriber.pc.getStats() : null;
  return readStats({
    pubReport,
    subReport,
    midToProducer: subscriber ? subscriber.midToProducer : new Map(),
    producerOwner: subscriber ? subscriber.producerOwner : new Map(),
    samples,
    participants,
    now: performance.now(),
    firstFrameMs,
  });
}
