// The recording page's words for a track and for why it has nothing to play.
import assert from "node:assert/strict";
import { test } from "node:test";
import { missingReason, trackLabel } from "../../static/console/recording-track.js";
import strings from "../../static/console/strings.js";
import { translator } from "../../static/lib/i18n.js";

const t = translator(strings, "zh");

test("tracks are named by person and kind, in Chinese", () => {
  assert.equal(trackLabel(t, { name: "张三", kind: "video", source: "camera" }), "张三 · 摄像头");
  assert.equal(trackLabel(t, { name: "张三", kind: "audio", source: "camera" }), "张三 · 麦克风");
  assert.equal(trackLabel(t, { name: "张三", kind: "audio", source: "mic" }), "张三 · 麦克风");
  assert.equal(trackLabel(t, { name: "王调解员", kind: "video", source: "screen" }), "王调解员 · 屏幕共享");
  assert.equal(trackLabel(t, { name: "", kind: "video" }), "未署名 · 摄像头");
});

const track = (over = {}) => ({
  kind: "audio", first: 2, last: 20, joinedAt: 2, leftAt: 20,
  pauses: [{ at: 5, end: 8, by: "self" }, { at: 12, end: null, by: "moderator" }],
  segments: [{ at: 2, end: 5 }, { at: 8, end: 12 }], ...over,
});

test("a missing track says why", () => {
  assert.equal(missingReason(track(), 3), null);
  assert.equal(missingReason(track(), 6), "muted");
  assert.equal(missingReason(track(), 15), "muted_by_mediator"); // still muted at the end
  assert.equal(missingReason(track({ kind: "video" }), 6), "camera_off");
  assert.equal(missingReason(track({ kind: "video" }), 13), "camera_off_by_mediator");
  assert.equal(missingReason(track({ pauses: [] }), 1), "not_joined_yet");
  assert.equal(missingReason(track({ pauses: [], joinedAt: null }), 1), "not_started");
  assert.equal(missingReason(track({ pauses: [] }), 25), "left_room");
  assert.equal(missingReason(track({ pauses: [], leftAt: null }), 25), "ended");
  assert.equal(missingReason(track({ pauses: [] }), 6), "no_media_here");
});
