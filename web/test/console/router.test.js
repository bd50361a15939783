// The staff shell's addresses: /console/..., and the old /console and /admin.
import assert from "node:assert/strict";
import { test } from "node:test";
import { home, match, mayOpen, navItems, pathOf } from "../../static/console/router.js";

test("addresses name their view and parameters", () => {
  assert.deepEqual(match("/console/cases/abc"), { name: "case", params: { id: "abc" }, section: "cases" });
  assert.deepEqual(match("/console/recordings/r%201"), { name: "recording", params: { id: "r 1" }, section: "recordings" });
  assert.equal(match("/console/users/").name, "users");
  assert.equal(match("/console").name, null); // the user's first section
  assert.equal(match("/admin").name, "organisations");
  assert.equal(match("/admin/users").name, "users");
  assert.equal(match("/admin/cameras").name, "cameras");
  assert.equal(match("/console/cameras").name, "cameras");
  assert.equal(match("/console/nothing").name, "not_found");
  assert.equal(pathOf("case", { id: "a/b" }), "/console/cases/a%2Fb");
});

test("the sections follow the permissions", () => {
  const mediator = ["case.view", "case.create", "recording.view", "room.create"];
  assert.deepEqual(navItems(mediator).map((r) => r.name), ["cases", "rooms", "recordings", "password"]);
  assert.equal(home(mediator), "cases");
  assert.equal(mayOpen("users", mediator), false);
  assert.equal(mayOpen("password", []), true);
  assert.equal(home([]), "password");
  // the camera registry: for those who keep it (administrators), not for those who only use cameras
  assert.equal(mayOpen("cameras", [...mediator, "camera.view", "camera.attach"]), false);
  assert.ok(navItems(["camera.view", "camera.manage"]).some((r) => r.name === "cameras"));
  // the statistics screen: at /dashboard, for those who hold stats.view
  assert.deepEqual(match("/dashboard"), { name: "dashboard", params: {}, section: "dashboard" });
  assert.equal(pathOf("dashboard"), "/dashboard");
  assert.equal(mayOpen("dashboard", mediator), false);
  assert.ok(navItems(["case.view", "stats.view"]).some((r) => r.name === "dashboard"));
});
