import assert from "node:assert/strict";
import { test } from "node:test";
import { grade, inboundDelta, readStats, roundTrip } from "../../static/lib/stats.js";

test("grade: loss, round trip and a starved video", () => {
  assert.equal(grade(0, 20, 800), "good");
  assert.equal(grade(0, null, null), "good");
  assert.equal(grade(2, 20, 800), "fair");
  assert.equal(grade(8, 20, 800), "poor");
  assert.equal(grade(0, 300, 800), "fair");
  assert.equal(grade(0, 600, 800), "poor");
  assert.equal(grade(0, 20, 100), "fair"); // a postage stamp
  assert.equal(grade(0, 20, 40), "poor"); // it freezes
  assert.equal(grade(0, 20, 2), "good"); // a paused camera sends almost nothing
});

test("round trip of the nominated pair only", () => {
  const report = new Map([
    ["a", { type: "candidate-pair", nominated: false, currentRoundTripTime: 0.9 }],
    ["b", { type: "candidate-pair", nominated: true, currentRoundTripTime: 0.0424 }],
  ]);
  assert.equal(roundTrip(report), 42);
  assert.equal(roundTrip(new Map()), null);
  assert.equal(roundTrip(null), null);
});

test("deltas against a sample at least a second old", () => {
  const first = inboundDelta(undefined, { packetsLost: 0, packetsReceived: 100, bytesReceived: 10000 }, 1000);
  assert.deepEqual([first.lossPct, first.bitrateKbps], [0, null]);
  assert.ok(first.sample);
  const later = inboundDelta(first.sample, { packetsLost: 10, packetsReceived: 190, bytesReceived: 135000 }, 3000);
  assert.equal(later.lossPct, 10); // 10 lost of 100 expected
  assert.equal(later.bitrateKbps, 500); // 125,000 bytes in 2 s
  assert.ok(later.sample);
  const soon = inboundDelta(later.sample, { packetsLost: 10, packetsReceived: 200, bytesReceived: 145000 }, 3500);
  assert.equal(soon.sample, null); // too fresh: keep the older sample
  assert.equal(soon.bitrateKbps, 160);
  // counters that go backwards (a new connection) never give negative loss
  assert.equal(inboundDelta(later.sample, { packetsLost: 0, packetsReceived: 200, bytesReceived: 0 }, 5000).lossPct, 0);
});

test("readStats: producers, participants and their grade", () => {
  const sub = new Map([
    ["pair", { type: "candidate-pair", nominated: true, currentRoundTripTime: 0.05 }],
    ["c1", { type: "codec", mimeType: "video/VP8" }],
    ["in-v", { type: "inbound-rtp", kind: "video", mid: "0", codecId: "c1", packetsLost: 0, packetsReceived: 1000, bytesReceived: 1000000, jitter: 0.004, framesDecoded: 300 }],
    ["in-a", { type: "inbound-rtp", kind: "audio", mid: "1", packetsLost: 0, packetsReceived: 500, bytesReceived: 40000, totalAudioEnergy: 0.5, audioLevel: 0.1 }],
    ["in-x", { type: "inbound-rtp", kind: "video", mid: "9", packetsLost: 0, packetsReceived: 1, bytesReceived: 1 }],
  ]);
  const pub = new Map([["out", { type: "outbound-rtp", kind: "video", packetsSent: 10, bytesSent: 1000, codecId: "c9" }]]);
  const midToProducer = new Map([["0", "pv"], ["1", "pa"]]);
  const producerOwner = new Map([["pv", "alice"], ["pa", "alice"]]);
  const samples = new Map();
  const participants = [{ id: "alice", name: "张三" }, { id: "bob", name: "李四" }];
  const args = { pubReport: pub, subReport: sub, midToProducer, producerOwner, samples, participants };
  readStats({ ...args, now: 0 });
  sub.set("in-v", { ...sub.get("in-v"), packetsLost: 50, packetsReceived: 1950, bytesReceived: 1250000 });
  const result = readStats({ ...args, now: 1000, firstFrameMs: 800 });
  assert.equal(result.rttMs, 50); // from the subscribe connection when publishing has none
  assert.equal(result.firstFrameMs, 800);
  assert.deepEqual(result.publish.video, { packetsSent: 10, bytesSent: 1000, codecId: "c9" });
  assert.deepEqual(Object.keys(result.producers).sort(), ["pa", "pv"]); // mid 9 is nobody's
  assert.equal(result.producers.pv.codec, "video/VP8");
  assert.equal(result.producers.pv.jitterMs, 4);
  assert.equal(result.producers.pv.bitrateKbps, 2000);
  const alice = result.participants.alice;
  assert.equal(alice.lossPct, 5); // 50 of 1000
  assert.equal(alice.quality, "fair");
  assert.equal(alice.videoKbps, 2000);
  assert.equal(alice.codec, "video/VP8");
  assert.equal(result.participants.bob, undefined); // nothing received from bob
});
