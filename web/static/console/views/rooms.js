// The rooms of my subtree, those still open first (live, open), with their case.
import { h, inject, onMounted, reactive, withDirectives } from "vue";
import { ElCard, ElEmpty, ElPagination, ElSwitch, ElTable, ElTableColumn, vLoading } from "element-plus";
import { pathOf } from "../router.js";
import { link, statusTag, tid, when } from "../ui.js";

export const RoomsView = {
  name: "RoomsView",
  setup() {
    const hub = inject("hub");
    const { t } = hub;
    const state = reactive({ items: [], total: 0, page: 1, perPage: 20, ended: false, loading: false });
    const load = async () => {
      state.loading = true;
      try {
        const data = await hub.api.get(`/rooms?page=${state.page}&per_page=${state.perPage}${state.ended ? "&ended=1" : ""}`);
        Object.assign(state, { items: data.items, total: data.total });
      } catch (err) {
        hub.fail(err);
      } finally {
        state.loading = false;
      }
    };
    onMounted(load);
    return () => h("div", { class: "view" }, [
      h("div", { class: "view-head" }, [
        h("h2", { class: "view-title" }, t("nav_rooms")),
        h("label", { class: "switch-label" }, [
          h(ElSwitch, {
            modelValue: state.ended, ...tid("rooms-ended"),
            "onUpdate:modelValue": (v) => { state.ended = v; state.page = 1; load(); },
          }),
          h("span", null, t("show_ended_rooms")),
        ]),
      ]),
      h(ElCard, { shadow: "never" }, () => [
        hub.phone ? withDirectives(h("div", { class: "case-cards", ...tid("rooms-table") }, state.items.length
          ? state.items.map((row) => h(ElCard, { shadow: "never", class: "case-card" }, () => [
            h("div", { class: "case-card-top" }, [h("strong", { class: "room-name" }, row.name), statusTag(t, row.state)]),
            h("div", null, row.caseId ? link(hub, pathOf("case", { id: row.caseId }), `${t("case")} ${row.caseNumber || ""}`, tid("room-case"))
              : t("adhoc_room")),
            h("div", { class: "muted" }, `${t("opened_at")} ${when(row.createdAt)}${row.endedAt ? ` · ${t("ended_at")} ${when(row.endedAt)}` : ""}`),
          ]))
          : [h(ElEmpty, { description: t("no_rooms") })]), [[vLoading, state.loading]]) : withDirectives(h(ElTable, { data: state.items, stripe: true, emptyText: t("no_rooms"), ...tid("rooms-table") }, () => [
          h(ElTableColumn, { prop: "name", label: t("room_name"), minWidth: 220 }),
          h(ElTableColumn, { label: t("status"), width: 100 }, { default: ({ row }) => statusTag(t, row.state) }),
          h(ElTableColumn, { label: t("case"), minWidth: 160 }, {
            default: ({ row }) => (row.caseId ? link(hub, pathOf("case", { id: row.caseId }), row.caseNumber || t("case"), tid("room-case")) : t("adhoc_room")),
          }),
          h(ElTableColumn, { label: t("opened_at"), width: 150 }, { default: ({ row }) => when(row.createdAt) }),
          h(ElTableColumn, { label: t("ended_at"), width: 150 }, { default: ({ row }) => when(row.endedAt) || "—" }),
        ]), [[vLoading, state.loading]]),
        h(ElPagination, {
          class: "pages", background: true, layout: "total, prev, pager, next", total: state.total,
          currentPage: state.page, pageSize: state.perPage,
          "onUpdate:currentPage": (p) => { state.page = p; load(); },
        }),
      ]),
    ]);
  },
};
