import assert from "node:assert/strict";
import { test } from "node:test";
import { HubClock, formatElapsed } from "../../static/join/clock.js";
import { intervalLevel, loudest, selfWarnings, sendingCheck, SILENT_AFTER_S } from "../../static/join/monitor.js";
import { ordered, roleKey } from "../../static/join/people.js";
import { initial } from "../../static/lib/tiles.js";

test("elapsed time reads mm:ss, then h:mm:ss", () => {
  assert.equal(formatElapsed(0), "00:00");
  assert.equal(formatElapsed(65.9), "01:05");
  assert.equal(formatElapsed(3600 + 62), "1:01:02");
  assert.equal(formatElapsed(-5), "00:00");
});

test("the hub's clock corrects a phone whose clock is off", () => {
  let local = 1000;
  const clock = new HubClock(() => local);
  clock.sync(1300); // the hub is 300 s ahead
  local += 10;
  assert.equal(clock.since(1250), 60);
});

test("the loudest participant above the threshold speaks", () => {
  assert.equal(loudest(new Map([["a", 0.01], ["b", 0.2], ["c", 0.1]])), "b");
  assert.equal(loudest(new Map([["a", 0.01]])), null);
  assert.equal(loudest(new Map()), null);
});

test("warnings say why nobody hears or sees me, most serious first", () => {
  const fine = { hasMic: true, hasCamera: true, micMuted: false, camOff: false, mutedByMediator: false, audioStalled: false };
  assert.deepEqual(selfWarnings(fine), []);
  assert.deepEqual(selfWarnings({ ...fine, hasMic: false, micMuted: true }), ["no_mic"]);
  assert.deepEqual(selfWarnings({ ...fine, micMuted: true, mutedByMediator: true }), ["mic_muted_by_mediator"]);
  assert.deepEqual(selfWarnings({ ...fine, micMuted: true, camOff: true }), ["mic_muted", "camera_is_off"]);
  assert.deepEqual(selfWarnings({ ...fine, audioStalled: true, hasCamera: false }), ["not_sending", "no_camera"]);
});

test("sound that stops leaving is noticed after a few seconds", () => {
  let check = sendingCheck(null, 10, 0);
  assert.equal(check.stalled, false);
  check = sendingCheck(check.sample, 10, 1000);
  assert.equal(check.stalled, false);
  check = sendingCheck(check.sample, 10, SILENT_AFTER_S * 1000);
  assert.equal(check.stalled, true);
  check = sendingCheck(check.sample, 11, SILENT_AFTER_S * 1000 + 500);
  assert.equal(check.stalled, false);
  assert.equal(sendingCheck(null, null, 0).stalled, false); // not publishing: nothing to say
});

test("hands up come first in the list; roles have names", () => {
  const list = ordered([{ id: "a" }, { id: "b", hand: true }, { id: "c" }]);
  assert.deepEqual(list.map((p) => p.id), ["b", "a", "c"]);
  assert.equal(roleKey("mediator"), "role_mediator");
  assert.equal(roleKey("party"), "role_party");
});

test("a camera-off tile shows the name's first character", () => {
  assert.equal(initial("张三"), "张");
  assert.equal(initial("  "), "?");
  assert.equal(initial("𠀋字"), "𠀋");
});

test("a level is the RMS over the interval between two readings", () => {
  let r = intervalLevel(null, 1, 10);
  assert.equal(r.level, 0); // first reading: nothing to compare with
  r = intervalLevel(r.sample, 1 + 0.25 * 0.5, 10.5); // mean square 0.25 over 0.5 s
  assert.equal(r.level, 0.5);
  assert.equal(intervalLevel(r.sample, 1.125, 10.5).level, 0); // no time passed
  assert.equal(intervalLevel(null, undefined, undefined).level, 0);
});
