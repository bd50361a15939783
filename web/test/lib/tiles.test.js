import assert from "node:assert/strict";
import { test } from "node:test";
import { gridClass } from "../../static/lib/tiles.js";

test("the grid's class for 0 to many tiles", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 9].map(gridClass), ["tiles n0", "tiles n1", "tiles n2", "tiles n3", "tiles n4", "tiles n4"]);
});
