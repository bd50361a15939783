// The operator console's pure parts: drag data, tile labels from the live tree, tours.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  cellStyle, decodeDrag, indexTree, sourceKey, sourceOf, tileLabel, tourBody,
} from "../../static/console/views/command-model.js";

const TREE = {
  organisations: [{
    id: "o1", name: "东城街道河畔社区",
    rooms: [{ id: "r1", name: "room-1", caseTitle: "邻里纠纷", severity: "red", live: true, recording: true,
      participants: [{ id: "p1", name: "甲" }, { id: "p2", name: "乙" }] }],
    cameras: [{ id: "c1", name: "东门", state: "online" }],
  }],
  unowned: [{ id: "r9", name: "ad-hoc", participants: [] }],
};

test("a dragged tree item becomes a tile body; anything else is refused", () => {
  assert.deepEqual(sourceOf({ kind: "room", roomId: "r1", extra: 1 }), { kind: "room", roomId: "r1" });
  assert.deepEqual(sourceOf({ kind: "participant", roomId: "r1", participantId: "p1" }),
    { kind: "participant", roomId: "r1", participantId: "p1" });
  assert.deepEqual(decodeDrag(JSON.stringify({ kind: "camera", cameraId: "c1" })), { kind: "camera", cameraId: "c1" });
  assert.equal(decodeDrag("not json"), null);
  assert.equal(decodeDrag(JSON.stringify({ kind: "room", roomId: "../x" })), null);
  assert.equal(decodeDrag(JSON.stringify({ kind: "tour", items: [] })), null);
  assert.equal(sourceOf(null), null);
});

test("keys name sources as the hub does", () => {
  assert.equal(sourceKey({ kind: "room", roomId: "r1" }), "room:r1");
  assert.equal(sourceKey({ kind: "participant", roomId: "r1", participantId: "p1" }), "participant:r1/p1");
  assert.equal(sourceKey({ kind: "camera", cameraId: "c1" }), "camera:c1");
});

test("a tile's label comes from the live tree", () => {
  const index = indexTree(TREE);
  assert.deepEqual(tileLabel({ kind: "room", roomId: "r1" }, index), {
    kind: "room", title: "邻里纠纷", org: "东城街道河畔社区", severity: "red", people: 2, person: null,
    recording: true, live: true, missing: false,
  });
  assert.equal(tileLabel({ kind: "participant", roomId: "r1", participantId: "p2" }, index).person, "乙");
  assert.equal(tileLabel({ kind: "camera", cameraId: "c1" }, index).title, "东门");
  assert.equal(tileLabel({ kind: "room", roomId: "r9" }, index).org, null);
  assert.equal(tileLabel({ kind: "room", roomId: "gone" }, index).missing, true);
  assert.equal(tileLabel(null, index), null);
  const tour = tileLabel({ kind: "tour", dwellS: 5, startedAt: 1, pausedAt: 3,
    items: [{ kind: "room", roomId: "r1" }, { kind: "camera", cameraId: "c1" }] }, index);
  assert.equal(tour.steps, 2);
  assert.equal(tour.paused, true);
  assert.equal(tour.items[1].title, "东门");
});

test("a tour needs two sources and 5 s to 1 h on each", () => {
  const two = [{ kind: "room", roomId: "r1" }, { kind: "camera", cameraId: "c1" }];
  assert.deepEqual(tourBody(two, 5), { body: { kind: "tour", items: two, dwellS: 5 } });
  assert.equal(tourBody(two, 4).error, "tour_dwell_range");
  assert.equal(tourBody(two, 3601).error, "tour_dwell_range");
  assert.equal(tourBody(two.slice(0, 1), 10).error, "tour_needs_two");
});

test("a layout cell's grid placement", () => {
  assert.deepEqual(cellStyle({ row: 0, col: 1, rows: 2, cols: 2 }), { gridRow: "1 / span 2", gridColumn: "2 / span 2" });
});
