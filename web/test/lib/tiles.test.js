import assert from "node:assert/strict";
import { test } from "node:test";
import { gridClass, layerForTile } from "../../static/lib/tiles.js";

test("the grid's class for 0 to many tiles", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 9].map(gridClass), ["tiles n0", "tiles n1", "tiles n2", "tiles n3", "tiles n4", "tiles n4"]);
});

test("small tiles take the low simulcast layer, one or two big tiles the high", () => {
  assert.equal(layerForTile(1, 1200), "high");
  assert.equal(layerForTile(2, 378), "high"); // a phone's column of two
  assert.equal(layerForTile(3, 600), "low");
  assert.equal(layerForTile(9, 420), "low"); // a wall's 3x3
  assert.equal(layerForTile(2, 180), "low");
});
