// The statistics screen's chart options, from an answer of GET /api/v1/statistics.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as charts from "../../static/console/views/dashboard-charts.js";

const t = (key, params = {}) => `${key}${Object.keys(params).length ? JSON.stringify(params) : ""}`;
const STATS = {
  organisation: { id: "city", name: "示范市" },
  days: 3,
  casesByStatus: { received: 2, accepted: 0, agreed: 1, archived: 0, mediating: 4 },
  casesBySeverity: { red: 1, yellow: 2, purple: 5 },
  sessionsPerDay: [{ day: "2026-11-25", sessions: 0 }, { day: "2026-11-26", sessions: 3 }, { day: "2026-11-27", sessions: 1 }],
  byOrganisation: [
    { id: "east", name: "东城街道", cases: 4, openCases: 3, liveRooms: 1, sessions: 2 },
    { id: "city", name: "示范市", cases: 1, openCases: 1, liveRooms: 0, sessions: 0 },
  ],
  cameras: { total: 5, online: 2, offline: 1, idle: 2, byState: {} },
};

test("cases by status follow the workflow's order", () => {
  const option = charts.casesByStatus(STATS, t);
  assert.deepEqual(option.yAxis.data, ["received", "accepted", "mediating", "agreed", "archived"]);
  assert.deepEqual(option.series[0].data, [2, 0, 4, 1, 0]);
  assert.equal(option.tooltip.renderMode, "richText"); // no HTML tooltips: the CSP forbids their inline styles
});

test("severity in the scale's order and colours, unknown levels last and grey", () => {
  const option = charts.casesBySeverity(STATS, t, ["green", "yellow", "orange", "red"]);
  const data = option.series[0].data;
  assert.deepEqual(data.map((d) => [d.name, d.value]), [["yellow", 2], ["red", 1], ["purple", 5]]);
  assert.equal(data[1].itemStyle.color, charts.SEVERITY_COLOURS.red);
  assert.equal(data[2].itemStyle.color, "#8a94a3");
  assert.equal(option.legend.formatter("red"), "red 1");
});

test("sessions per day, organisations (own level named so) and cameras", () => {
  const days = charts.sessionsPerDay(STATS, t);
  assert.deepEqual(days.xAxis.data, ["11-25", "11-26", "11-27"]);
  assert.deepEqual(days.series[0].data, [0, 3, 1]);
  const orgs = charts.byOrganisation(STATS, t);
  assert.deepEqual(orgs.xAxis.data, ["东城街道", "dash_self"]);
  assert.deepEqual(orgs.series.map((s) => s.id), ["cases", "openCases", "liveRooms", "sessions"]);
  assert.deepEqual(orgs.series[2].data, [1, 0]);
  const cams = charts.cameras(STATS, t);
  assert.deepEqual(cams.series[0].data.map((d) => d.value), [2, 1, 2]);
  assert.equal(charts.casesByStatus(STATS, t, true).textStyle.fontSize, 18); // a wall screen's type
});

test("sizes read as people read them", () => {
  assert.equal(charts.bytes(0), "0 B");
  assert.equal(charts.bytes(1536), "1.5 KB");
  assert.equal(charts.bytes(25 * 1024 * 1024), "25 MB");
  assert.equal(charts.bytes(3.25 * 1024 ** 3), "3.3 GB");
});
