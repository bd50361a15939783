// The statistics screen (/dashboard): big numbers and ECharts charts of my subtree, from
// GET /api/v1/statistics, polled every 10 s (?refresh=N seconds, 2..300). Updates go into
// the same charts (setOption merges, series keep their ids), so nothing flickers. On a wall
// screen `?kiosk=1` hides the shell's navigation (shell.js) and the type grows; `?days=N`
// picks the window of the per-day chart (a desk user picks it here too).
import { h, inject, onBeforeUnmount, onMounted, reactive } from "vue";
import { ElOption, ElSelect } from "element-plus";
import * as echarts from "echarts";
import { tid, when } from "../ui.js";
import * as charts from "./dashboard-charts.js";

const DAY_CHOICES = [7, 14, 30, 90];

function params() {
  const query = new URLSearchParams(location.search);
  const number = (key, low, high, fallback) => {
    const value = Number(query.get(key));
    return Number.isInteger(value) && value >= low && value <= high ? value : fallback;
  };
  return {
    kiosk: query.get("kiosk") === "1",
    days: number("days", 1, 90, 14),
    refreshS: number("refresh", 2, 300, 10),
  };
}

// the page's charts, by test id (not reactive: ECharts owns them); the browser tests read them
const CHARTS = [
  { id: "chart-cases-status", title: (t) => t("dash_chart_status"), option: charts.casesByStatus },
  { id: "chart-cases-severity", title: (t) => t("dash_chart_severity"), option: null },
  { id: "chart-cameras", title: (t) => t("dash_chart_cameras"), option: charts.cameras },
  { id: "chart-sessions-day", title: (t, s) => t("dash_chart_days", { n: s.days }), option: charts.sessionsPerDay, wide: true },
  { id: "chart-organisations", title: (t) => t("dash_chart_orgs"), option: charts.byOrganisation, wide: true },
];

export const DashboardView = {
  name: "DashboardView",
  setup() {
    const hub = inject("hub");
    const { t } = hub;
    const { kiosk, days, refreshS } = params();
    const state = reactive({ stats: null, days, stale: false });
    const elements = {};
    const instances = new Map();
    window.hubCharts = instances; // diagnostics and the browser tests
    let timer = null;
    let stopped = false;
    const resize = new ResizeObserver(() => instances.forEach((chart) => chart.resize()));

    const optionOf = (chart, stats) => (chart.id === "chart-cases-severity"
      ? charts.casesBySeverity(stats, t, hub.me.severityLevels, kiosk)
      : chart.option(stats, t, kiosk));

    const draw = () => {
      for (const chart of CHARTS) {
        const el = elements[chart.id];
        if (!el || !state.stats) continue;
        let instance = instances.get(chart.id);
        if (!instance || instance.isDisposed()) {
          instance = echarts.init(el, null, { renderer: "canvas" });
          instances.set(chart.id, instance);
          resize.observe(el);
        }
        instance.setOption(optionOf(chart, state.stats));
      }
    };

    let loading = false;
    const load = async () => {
      if (loading) return; // one request at a time: a second would start a second poll chain
      loading = true;
      clearTimeout(timer);
      try {
        state.stats = await hub.api.get(`/statistics?days=${state.days}`);
        state.stale = false;
        // the containers exist once the first figures are shown: draw after Vue's patch
        await Promise.resolve();
        requestAnimationFrame(draw);
      } catch (err) {
        if (!state.stats) hub.fail(err);
        state.stale = true;
      }
      loading = false;
      if (!stopped) timer = setTimeout(load, refreshS * 1000);
    };
    const visible = () => { if (document.visibilityState === "visible") load(); };

    onMounted(() => {
      document.documentElement.classList.add("dashboard-page");
      document.addEventListener("visibilitychange", visible);
      load();
    });
    onBeforeUnmount(() => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", visible);
      document.documentElement.classList.remove("dashboard-page");
      resize.disconnect();
      instances.forEach((chart) => chart.dispose());
      instances.clear();
    });

    const stat = (id, label, value, sub, tone = "") => h("div", { class: `dash-stat ${tone}`, ...tid(id) }, [
      h("div", { class: "dash-stat-label" }, label),
      h("div", { class: "dash-stat-value", "data-value": String(value) }, String(value)),
      h("div", { class: "dash-stat-sub" }, sub),
    ]);

    const numbers = (s) => {
      const c = s.cameras;
      const minutes = s.averageSessionS === null || s.averageSessionS === undefined ? null : Math.round(s.averageSessionS / 60);
      return h("div", { class: "dash-stats" }, [
        stat("stat-live-rooms", t("dash_live_rooms"), s.liveRooms,
          `${t("dash_people_now", { n: s.liveParticipants })} · ${minutes === null ? t("dash_avg_none") : t("dash_avg_length", { m: minutes })}`,
          s.liveRooms ? "live" : ""),
        stat("stat-cases", t("dash_cases_open"), s.casesOpen, t("dash_cases_total", { n: s.casesTotal })),
        stat("stat-recordings", t("dash_recordings"), s.recordings.count, t("dash_recordings_sub", {
          h: (s.recordings.durationS / 3600).toFixed(1), size: charts.bytes(s.recordings.sizeBytes),
        })),
        stat("stat-cameras", t("dash_cameras"), `${c.online}/${c.total}`,
          t("dash_cameras_sub", { off: c.offline, idle: c.idle, n: c.total }), c.offline ? "alarm" : ""),
      ]);
    };

    const head = (s) => h("div", { class: "dash-head" }, [
      h("h2", { class: "dash-title" }, t("dash_title", { org: s ? s.organisation.name : "" })),
      h("span", { class: `dash-updated ${state.stale ? "stale" : ""}`, ...tid("dash-updated") },
        state.stale ? t("dash_stale") : s ? t("dash_updated", { time: when(s.generatedAt).slice(11) }) : ""),
      kiosk ? null : h(ElSelect, {
        class: "dash-days", modelValue: state.days, "aria-label": t("dash_days"), ...tid("dash-days"),
        "onUpdate:modelValue": (value) => { state.days = value; load(); },
      }, () => DAY_CHOICES.map((n) => h(ElOption, { value: n, label: `${n} ${t("days")}` }))),
    ]);

    return () => {
      const s = state.stats;
      return h("div", { class: ["dashboard", kiosk ? "kiosk" : ""], ...tid("dashboard") }, [
        head(s),
        s ? numbers(s) : h("div", { class: "dash-loading" }, t("loading")),
        s ? h("div", { class: "dash-charts" }, CHARTS.map((chart) => h("section", {
          class: ["dash-chart", chart.wide ? "wide" : ""], key: chart.id,
        }, [
          h("h3", null, chart.title(t, s)),
          h("div", { class: "dash-canvas", ref: (el) => { elements[chart.id] = el; }, ...tid(chart.id) }),
        ]))) : null,
      ]);
    };
  },
};
