// The recordings of my subtree (every listing is audited by the server).
import { h, inject, onMounted, reactive, withDirectives } from "vue";
import { ElCard, ElEmpty, ElTable, ElTableColumn, vLoading } from "element-plus";
import { pathOf } from "../router.js";
import { link, statusTag, tid, when } from "../ui.js";

/** "12 分 05 秒" */
export const duration = (t, seconds) => {
  const s = Math.round(seconds);
  return t("duration", { m: Math.floor(s / 60), s: String(s % 60).padStart(2, "0") });
};

export const RecordingsView = {
  name: "RecordingsView",
  setup() {
    const hub = inject("hub");
    const { t } = hub;
    const state = reactive({ items: [], loading: false });
    onMounted(async () => {
      state.loading = true;
      try {
        state.items = await hub.api.get("/recordings");
      } catch (err) {
        hub.fail(err);
      } finally {
        state.loading = false;
      }
    });
    return () => h("div", { class: "view" }, [
      h("h2", { class: "view-title" }, t("nav_recordings")),
      h(ElCard, { shadow: "never" }, () => (hub.phone ? withDirectives(h("div", { class: "case-cards", ...tid("recordings-table") },
        state.items.length ? state.items.map((row) => h(ElCard, { shadow: "never", class: "case-card" }, () => [
          h("div", { class: "case-card-top" }, [statusTag(t, row.state), row.legalHold ? h("span", { class: "hold-mark" }, t("legal_hold")) : null]),
          link(hub, pathOf("recording", { id: row.id }), row.room, { ...tid("recording-link"), class: "case-card-title" }),
          h("div", { class: "muted" }, `${when(row.startedAt)} · ${duration(t, row.durationS)}`),
        ])) : [h(ElEmpty, { description: t("no_recordings") })]), [[vLoading, state.loading]]) : withDirectives(h(ElTable, {
        data: state.items, stripe: true, emptyText: t("no_recordings"), ...tid("recordings-table"),
      }, () => [
        h(ElTableColumn, { label: t("room_name"), minWidth: 220 }, {
          default: ({ row }) => link(hub, pathOf("recording", { id: row.id }), row.room, tid("recording-link")),
        }),
        h(ElTableColumn, { label: t("started_at"), width: 150 }, { default: ({ row }) => when(row.startedAt) }),
        h(ElTableColumn, { label: t("length"), width: 120 }, { default: ({ row }) => duration(t, row.durationS) }),
        h(ElTableColumn, { label: t("status"), width: 130 }, { default: ({ row }) => statusTag(t, row.state) }),
        h(ElTableColumn, { label: t("legal_hold"), width: 110 }, { default: ({ row }) => (row.legalHold ? t("yes") : "—") }),
      ]), [[vLoading, state.loading]]))),
    ]);
  },
};
