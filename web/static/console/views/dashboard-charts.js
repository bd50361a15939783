// The statistics screen's charts as ECharts options, from GET /api/v1/statistics. Pure (no
// DOM, no ECharts import): each builder takes the figures and the page's t(), so node's
// test runner can check them. Tooltips render as rich text inside the canvas: ECharts'
// HTML tooltips carry inline style attributes, which the page's CSP refuses.

const STATUS_ORDER = ["received", "accepted", "assigned", "mediating", "follow-up", "agreed", "failed", "archived"];
// the severity scale's colours (shell.css's dots), unknown levels grey
export const SEVERITY_COLOURS = { green: "#2e9d5b", yellow: "#e0b21b", orange: "#e2731e", red: "#d93838" };
const INK = "#e8edf4";
const GRID_LINE = "#34404f";
const PALETTE = ["#4e9bff", "#f0b429", "#3cc48a", "#e5644e", "#a98bff", "#5fd4e0"];

const base = (big) => ({
  backgroundColor: "transparent",
  color: PALETTE,
  textStyle: { color: INK, fontSize: big ? 18 : 14 },
  tooltip: { renderMode: "richText", confine: true },
  animationDurationUpdate: 600, // an update moves the bars, it does not redraw them
});

const axisLabel = (big) => ({ color: INK, fontSize: big ? 18 : 13 });
const splitLine = { lineStyle: { color: GRID_LINE } };

/** Cases by status, as horizontal bars in the workflow's order. */
export function casesByStatus(stats, t, big = false) {
  const statuses = STATUS_ORDER.filter((s) => s in stats.casesByStatus)
    .concat(Object.keys(stats.casesByStatus).filter((s) => !STATUS_ORDER.includes(s)));
  return {
    ...base(big),
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1, axisLabel: axisLabel(big), splitLine },
    yAxis: { type: "category", inverse: true, data: statuses.map((s) => t(s)), axisLabel: axisLabel(big) },
    series: [{
      id: "status", type: "bar", barMaxWidth: 28, data: statuses.map((s) => stats.casesByStatus[s]),
      label: { show: true, position: "right", color: INK, fontSize: big ? 18 : 13 },
      itemStyle: { color: "#4e9bff", borderRadius: [0, 4, 4, 0] },
    }],
  };
}

/** A ring of named counts; the counts in the legend (ring labels get clipped on narrow cards). */
function ring(id, items, big) {
  const values = Object.fromEntries(items.map((i) => [i.name, i.value]));
  return {
    ...base(big),
    legend: {
      bottom: 0, textStyle: { color: INK, fontSize: big ? 18 : 13 },
      formatter: (name) => `${name} ${values[name]}`,
    },
    series: [{
      id, type: "pie", radius: ["45%", "72%"], center: ["50%", "44%"], stillShowZeroSum: false,
      label: { show: false }, emptyCircleStyle: { color: GRID_LINE }, data: items,
    }],
  };
}

/** Cases by severity, as a ring in the scale's colours. */
export function casesBySeverity(stats, t, levels, big = false) {
  const order = (levels && levels.length ? levels : Object.keys(SEVERITY_COLOURS))
    .concat(Object.keys(stats.casesBySeverity).filter((l) => !(levels || []).includes(l)));
  const seen = [...new Set(order)].filter((l) => l in stats.casesBySeverity);
  return ring("severity", seen.map((l) => ({
    name: t(l), value: stats.casesBySeverity[l], itemStyle: { color: SEVERITY_COLOURS[l] || "#8a94a3" },
  })), big);
}

/** Sessions per day (the last N days, CST), as bars with the day's date. */
export function sessionsPerDay(stats, t, big = false) {
  return {
    ...base(big),
    grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
    xAxis: {
      type: "category", data: stats.sessionsPerDay.map((d) => d.day.slice(5)),
      axisLabel: { ...axisLabel(big), hideOverlap: true, showMaxLabel: true }, // today, always
    },
    yAxis: { type: "value", minInterval: 1, axisLabel: axisLabel(big), splitLine },
    series: [{
      id: "sessions", name: t("dash_sessions"), type: "bar", barMaxWidth: 32,
      data: stats.sessionsPerDay.map((d) => d.sessions),
      itemStyle: { color: "#3cc48a", borderRadius: [4, 4, 0, 0] },
    }],
  };
}

/** Each child organisation (subtree totals): cases, open cases, live rooms, sessions. */
export function byOrganisation(stats, t, big = false) {
  const orgs = stats.byOrganisation;
  const series = [
    ["cases", t("dash_cases")], ["openCases", t("dash_open_cases")],
    ["liveRooms", t("dash_live_rooms")], ["sessions", t("dash_sessions")],
  ];
  return {
    ...base(big),
    legend: { top: 0, textStyle: { color: INK, fontSize: big ? 18 : 13 } },
    grid: { left: 8, right: 16, top: big ? 44 : 36, bottom: 8, containLabel: true },
    xAxis: {
      type: "category", data: orgs.map((o) => (o.id === stats.organisation.id ? t("dash_self") : o.name)),
      axisLabel: { ...axisLabel(big), interval: 0, width: big ? 160 : 96, overflow: "truncate" },
    },
    yAxis: { type: "value", minInterval: 1, axisLabel: axisLabel(big), splitLine },
    series: series.map(([key, name]) => ({
      id: key, name, type: "bar", barMaxWidth: 24, data: orgs.map((o) => o[key]),
    })),
  };
}

/** Camera health: online, offline, not pulled. */
export function cameras(stats, t, big = false) {
  const c = stats.cameras;
  return ring("cameras", [
    { name: t("dash_online"), value: c.online, itemStyle: { color: "#3cc48a" } },
    { name: t("dash_offline"), value: c.offline, itemStyle: { color: "#d93838" } },
    { name: t("dash_idle"), value: c.idle, itemStyle: { color: "#6b7687" } },
  ], big);
}

/** "1.2 GB" */
export function bytes(n) {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
