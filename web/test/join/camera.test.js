import assert from "node:assert/strict";
import { test } from "node:test";
import { constraints, otherFacing } from "../../static/join/camera.js";
import { tileLabel } from "../../static/join/people.js";
import strings from "../../static/join/strings.js";
import { translator } from "../../static/lib/i18n.js";

test("a light picture for 4G and echo-cancelled sound", () => {
  const c = constraints("environment");
  assert.equal(c.video.facingMode, "environment");
  assert.ok(c.video.frameRate.max <= 20);
  assert.equal(c.video.width.ideal, 640);
  assert.ok(c.audio.echoCancellation && c.audio.noiseSuppression);
});

test("front and back cameras swap", () => {
  assert.equal(otherFacing("user"), "environment");
  assert.equal(otherFacing("environment"), "user");
});

test("the tile names the mediator's role", () => {
  const t = translator(strings, "zh");
  assert.equal(tileLabel({ name: "王调解", role: "mediator" }, t), "王调解 · 调解员");
  assert.equal(tileLabel({ name: "张三", role: "party" }, t), "张三");
});
