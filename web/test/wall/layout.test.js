import assert from "node:assert/strict";
import { test } from "node:test";
import { gridArea, keyFromHash, msUntil, producerIds, screenFromPath, screenToken, severityClass } from "../../static/wall/layout.js";

test("a cell's grid placement", () => {
  assert.deepEqual(gridArea({ row: 0, col: 0, rows: 2, cols: 2 }), { gridRow: "1 / span 2", gridColumn: "1 / span 2" });
  assert.deepEqual(gridArea({ row: 2, col: 1, rows: 1, cols: 1 }), { gridRow: "3 / span 1", gridColumn: "2 / span 1" });
});

test("the screen of a page path", () => {
  assert.deepEqual(screenFromPath("/wall/abc123/screen/2"), { wall: "abc123", number: 2 });
  assert.equal(screenFromPath("/wall/abc/screen/x"), null);
  assert.equal(screenFromPath("/wall/../screen/1"), null);
});

test("the key of a fragment, and the socket token", () => {
  const key = "A".repeat(43);
  assert.equal(keyFromHash(`#key=${key}`), key);
  assert.equal(keyFromHash("#key=short"), null);
  assert.equal(keyFromHash(""), null);
  assert.equal(screenToken("w1", 3, key), `screen:w1:3:${key}`);
});

test("time to a tour's switch on the server's clock", () => {
  assert.equal(msUntil(null, 0, 0), null);
  assert.equal(msUntil(110, 0, 100000), 10000);
  assert.equal(msUntil(110, 2, 100000), 8000); // the server runs 2 s ahead of us
  assert.equal(msUntil(90, 0, 100000), 0);
});

test("severity classes and producer ids", () => {
  assert.equal(severityClass("red", ["green", "red"]), "sev-red");
  assert.equal(severityClass("", []), "");
  assert.equal(severityClass("较重", ["一般", "较重"]), "sev-1");
  const part = { producers: [{ producerId: "a", kind: "video" }, { producerId: "b", kind: "audio" }] };
  assert.deepEqual(producerIds(part), ["a"]);
  assert.deepEqual(producerIds(part, "audio"), ["b"]);
  assert.deepEqual(producerIds(null), []);
});
