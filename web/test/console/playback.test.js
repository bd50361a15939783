import assert from "node:assert/strict";
import { test } from "node:test";
import { MasterClock, minutesSeconds, peakLevel, placeSegments, segmentsToFetch, sessionSpan, staleSegments } from "../../static/console/playback.js";

test("the master clock plays, pauses, seeks and stops at the end", () => {
  let ms = 1000;
  const clock = new MasterClock(() => ms);
  clock.duration = 10;
  assert.equal(clock.now(), 0);
  clock.play();
  ms += 2500;
  assert.equal(clock.now(), 2.5);
  clock.pause();
  ms += 5000;
  assert.equal(clock.now(), 2.5); // paused: time stands
  clock.seek(8);
  clock.play();
  ms += 4000;
  assert.equal(clock.now(), 10); // never past the end
  clock.seek(-3);
  assert.equal(clock.now(), 0);
  clock.seek(99);
  assert.equal(clock.now(), 10);
});

test("the session spans every track's segments", () => {
  const tracks = [
    { segments: [{ start: 100, duration: 4 }, { start: 104, duration: 4 }] },
    { segments: [{ start: 101.5, duration: 8 }] },
  ];
  assert.deepEqual(sessionSpan(tracks), { t0: 100, duration: 9.5 });
  assert.deepEqual(sessionSpan([]), { t0: 0, duration: 0 });
});

test("segments around the playhead are fetched once, old ones dropped", () => {
  const raw = Array.from({ length: 20 }, (_, i) => ({ seq: i, start: 1000 + 4 * i, duration: 4 }));
  const segments = placeSegments(raw, 1000);
  assert.deepEqual([segments[1].at, segments[1].end], [4, 8]);
  const loaded = new Set();
  const first = segmentsToFetch(segments, 0, loaded, 10);
  assert.deepEqual(first.map((s) => s.seq), [0, 1, 2]); // [0, 10)
  first.forEach((s) => loaded.add(s.seq));
  assert.deepEqual(segmentsToFetch(segments, 1, loaded, 10).map((s) => s.seq), []);
  assert.deepEqual(segmentsToFetch(segments, 7.5, loaded, 10).map((s) => s.seq), [3, 4]);
  assert.deepEqual(staleSegments(segments, 20, loaded, 10).map((s) => s.seq), [0, 1]); // ended before 10
  assert.deepEqual(staleSegments(segments, 9, loaded, 10), []);
});

test("clock text and the audio level", () => {
  assert.equal(minutesSeconds(0), "0:00");
  assert.equal(minutesSeconds(61.9), "1:01");
  assert.equal(minutesSeconds(600), "10:00");
  assert.equal(peakLevel(new Uint8Array([128, 128, 128])), 0);
  assert.equal(peakLevel(new Uint8Array([128, 192, 64])), 0.5);
  assert.equal(peakLevel(new Uint8Array([0, 128])), 1);
});
