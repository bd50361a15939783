// The audit log of my subtree (GET /api/v1/audit): filter by action, who, object and
// time; pages; check the whole hash chain (GET /api/v1/audit/verify).
import { h, inject, onMounted, reactive, withDirectives } from "vue";
import {
  ElAlert, ElButton, ElCard, ElDatePicker, ElInput, ElOption, ElPagination, ElSelect, ElTable, ElTableColumn,
  vLoading,
} from "element-plus";
import { model, tid, when } from "../ui.js";
import { dayStart } from "./cases.js";

// what the hub writes to the log (others show as their code)
export const ACTIONS = [
  "login", "logout", "user.create", "user.update", "user.enable", "user.disable", "user.password",
  "user.password.set", "user.lock", "user.unlock", "admin.create", "org.create", "org.recording_policy",
  "case.create", "case.view", "case.transition", "case.assign", "room.create", "room.end",
  "invitation.create", "invitation.revoke", "recording.start", "recording.stop", "recording.list",
  "recording.view", "recording.play", "recording.export", "recording.hold", "recording.release",
  "recording.delete",
];

/** "case.transition" -> the table's "act_case_transition", if it has words for it. */
export const actionLabel = (t, hasKey, action) => {
  const key = `act_${action.replace(/\./g, "_")}`;
  return hasKey(key) ? t(key) : action;
};

export const AuditView = {
  name: "AuditView",
  setup() {
    const hub = inject("hub");
    const { t } = hub;
    const filter = reactive({ action: "", actor: "", target: "", dates: null });
    const state = reactive({ items: [], total: 0, page: 1, perPage: 50, users: [], loading: false, check: null, checking: false });

    const load = async () => {
      state.loading = true;
      try {
        const p = new URLSearchParams({ page: String(state.page), per_page: String(state.perPage) });
        for (const key of ["action", "actor", "target"]) if (filter[key]) p.set(key, filter[key].trim());
        if (filter.dates) {
          p.set("from", dayStart(filter.dates[0]));
          p.set("to", dayStart(filter.dates[1], 1));
        }
        const data = await hub.api.get(`/audit?${p}`);
        Object.assign(state, { items: data.items, total: data.total });
      } catch (err) {
        hub.fail(err);
      } finally {
        state.loading = false;
      }
    };
    const search = () => {
      state.page = 1;
      load();
    };
    onMounted(async () => {
      load();
      try {
        state.users = await hub.api.get("/users");
      } catch (err) {
        hub.fail(err);
      }
    });
    const verify = async () => {
      state.checking = true;
      try {
        state.check = await hub.api.get("/audit/verify");
      } catch (err) {
        hub.fail(err);
      } finally {
        state.checking = false;
      }
    };

    const detail = (row) => {
      const text = row.detail && Object.keys(row.detail).length ? JSON.stringify(row.detail) : "";
      return text.length > 160 ? `${text.slice(0, 160)}…` : text;
    };
    const filters = () => h(ElCard, { shadow: "never", class: "filters" }, () => h("div", { class: "filter-row" }, [
      h(ElSelect, { ...model(filter, "action"), placeholder: t("audit_action"), clearable: true, filterable: true, allowCreate: true, class: "filter", ...tid("audit-filter-action"), onChange: search },
        () => ACTIONS.map((a) => h(ElOption, { value: a, label: actionLabel(t, hub.hasKey, a) }))),
      h(ElSelect, { ...model(filter, "actor"), placeholder: t("audit_actor"), clearable: true, filterable: true, class: "filter", ...tid("audit-filter-actor"), onChange: search },
        () => [...state.users.map((u) => h(ElOption, { value: u.id, label: `${u.name}（${u.username}）` })),
          h(ElOption, { value: "system", label: t("actor_system") }), h(ElOption, { value: "cli", label: t("actor_cli") })]),
      h(ElInput, { ...model(filter, "target"), placeholder: t("audit_target_hint"), clearable: true, class: "filter wide", ...tid("audit-filter-target"),
        onKeyup: (e) => { if (e.key === "Enter") search(); }, onClear: search }),
      h("span", { class: "filter dates", ...tid("audit-filter-dates") }, h(ElDatePicker, {
        ...model(filter, "dates"), type: "daterange", valueFormat: "YYYY-MM-DD", unlinkPanels: true,
        startPlaceholder: t("audit_from"), endPlaceholder: t("audit_to"), rangeSeparator: "–", onChange: search })),
      h(ElButton, { type: "primary", onClick: search, ...tid("audit-search") }, () => t("search")),
      h(ElButton, { onClick: () => { Object.assign(filter, { action: "", actor: "", target: "", dates: null }); search(); } }, () => t("reset")),
    ]));

    const table = () => withDirectives(h(ElTable, { data: state.items, stripe: true, emptyText: t("no_entries"), ...tid("audit-table") }, () => [
      h(ElTableColumn, { prop: "seq", label: t("audit_seq"), width: 80 }),
      h(ElTableColumn, { label: t("audit_at"), width: 150 }, { default: ({ row }) => when(row.at) }),
      h(ElTableColumn, { label: t("audit_actor"), minWidth: 130 }, { default: ({ row }) => actorName(row) }),
      h(ElTableColumn, { label: t("audit_action"), minWidth: 130 }, {
        default: ({ row }) => h("span", { "data-action": row.action, ...tid("audit-action") }, actionLabel(t, hub.hasKey, row.action)),
      }),
      h(ElTableColumn, { label: t("audit_target"), minWidth: 200 }, {
        default: ({ row }) => h("span", { title: row.target }, targetName(row)),
      }),
      h(ElTableColumn, { prop: "ip", label: "IP", width: 120 }),
      h(ElTableColumn, { label: t("audit_detail"), minWidth: 200 }, { default: ({ row }) => h("span", { class: "mono small-text" }, detail(row)) }),
    ]), [[vLoading, state.loading]]);

    const actorName = (row) => row.actorName || (row.actor === "system" ? t("actor_system") : row.actor === "cli" ? t("actor_cli") : row.actor);
    const targetName = (row) => row.targetName || (row.target === "recordings" ? t("recordings") : row.target);
    // a phone: one entry per line, everything in it readable (a table would hide half)
    const list = () => withDirectives(h("ul", { class: "audit-list", ...tid("audit-table") }, state.items.length
      ? state.items.map((row) => h("li", { class: "audit-item" }, [
        h("div", { class: "audit-top" }, [
          h("strong", { "data-action": row.action, ...tid("audit-action") }, actionLabel(t, hub.hasKey, row.action)),
          h("span", { class: "muted" }, `#${row.seq} · ${when(row.at)}`),
        ]),
        h("div", null, `${actorName(row)} → ${targetName(row)}`),
        detail(row) ? h("div", { class: "mono small-text muted audit-detail" }, detail(row)) : null,
      ]))
      : [h("li", { class: "muted" }, t("no_entries"))]), [[vLoading, state.loading]]);

    const check = () => {
      const c = state.check;
      if (!c) return null;
      return h(ElAlert, {
        type: c.ok ? "success" : "error", showIcon: true, closable: false, class: "block", "data-ok": String(c.ok),
        ...tid("audit-verify-result"),
        title: c.ok ? t("audit_intact", { n: c.entries }) : t("audit_broken", { seq: c.firstBadEntry, reason: c.reason || "" }),
      });
    };

    return () => h("div", { class: "view" }, [
      h("div", { class: "view-head" }, [
        h("h2", { class: "view-title" }, t("nav_audit")),
        h(ElButton, { loading: state.checking, onClick: verify, ...tid("audit-verify") }, () => t("audit_verify")),
      ]),
      h("p", { class: "hint" }, t("audit_scope_hint")),
      check(),
      filters(),
      h(ElCard, { shadow: "never" }, () => [
        hub.phone ? list() : table(),
        h(ElPagination, {
          class: "pages", background: true, total: state.total, currentPage: state.page, pageSize: state.perPage,
          layout: hub.phone ? "total, prev, pager, next" : "total, sizes, prev, pager, next", pageSizes: [20, 50, 100, 200],
          pagerCount: hub.phone ? 5 : 7, ...tid("audit-pages"),
          "onUpdate:currentPage": (p) => { state.page = p; load(); },
          "onUpdate:pageSize": (n) => { state.perPage = n; state.page = 1; load(); },
        }),
      ]),
    ]);
  },
};
