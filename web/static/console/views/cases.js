// The cases of my subtree: search (number, title, a party's name), filters (type,
// status, organisation, registration dates), pages; register a new case.
// The filters live in the address (?q=...&status=...), so a reload or a shared link
// shows the same list.
import { h, inject, onMounted, reactive, withDirectives } from "vue";
import {
  ElButton, ElCard, ElDatePicker, ElDialog, ElEmpty, ElForm, ElFormItem, ElInput, ElOption, ElPagination,
  ElSelect, ElTable, ElTableColumn, vLoading,
} from "element-plus";
import { pathOf } from "../router.js";
import { link, model, orgOption, orgOptions, severity, statusTag, tid, when } from "../ui.js";

export const STATUSES = ["received", "accepted", "assigned", "mediating", "agreed", "failed", "follow-up", "archived"];
const FILTERS = ["q", "type", "status", "organisationId"];

/** Local midnight of a "YYYY-MM-DD" date, as an ISO time (dayOffset: 1 for the day after). */
export function dayStart(date, dayOffset = 0) {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(y, m - 1, d + dayOffset).toISOString();
}

export const CasesView = {
  name: "CasesView",
  setup() {
    const hub = inject("hub");
    const { t } = hub;
    const query = new URLSearchParams(location.search);
    const filter = reactive({
      q: query.get("q") || "", type: query.get("type") || "", status: query.get("status") || "",
      organisationId: query.get("organisationId") || "",
      dates: query.get("from") && query.get("to") ? [query.get("from"), query.get("to")] : null,
    });
    const state = reactive({
      items: [], total: 0, page: Number(query.get("page")) || 1, perPage: 20, types: [], orgs: [],
      mediators: [], loading: false, creating: false, moreFilters: false,
    });
    const draft = reactive({ organisationId: "", type: "邻里纠纷", title: "", severity: "", party: "", phone: "", busy: false });

    const params = () => {
      const p = new URLSearchParams();
      for (const key of FILTERS) if (filter[key]) p.set(key, filter[key]);
      if (filter.dates) {
        p.set("from", filter.dates[0]);
        p.set("to", filter.dates[1]);
      }
      return p;
    };
    const load = async () => {
      state.loading = true;
      try {
        const p = params();
        const shown = new URLSearchParams(p);
        if (state.page > 1) shown.set("page", String(state.page));
        history.replaceState(null, "", location.pathname + (shown.toString() ? `?${shown}` : ""));
        const api = new URLSearchParams(p);
        if (filter.dates) {
          api.set("from", dayStart(filter.dates[0]));
          api.set("to", dayStart(filter.dates[1], 1));
        }
        api.set("page", String(state.page));
        api.set("per_page", String(state.perPage));
        const data = await hub.api.get(`/cases?${api}`);
        Object.assign(state, { items: data.items, total: data.total, types: data.types });
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
    const reset = () => {
      Object.assign(filter, { q: "", type: "", status: "", organisationId: "", dates: null });
      search();
    };
    onMounted(async () => {
      load();
      try {
        state.orgs = await hub.api.get("/organisations");
        state.mediators = await hub.api.get("/mediators");
        draft.organisationId = state.orgs.length ? state.orgs[state.orgs.length > 1 ? 1 : 0].id : "";
        draft.severity = hub.me.severityLevels[0];
      } catch (err) {
        hub.fail(err);
      }
    });

    const orgName = (id) => (state.orgs.find((o) => o.id === id) || {}).name || "";
    const mediatorName = (id) => (state.mediators.find((m) => m.id === id) || {}).name || t("unassigned");
    const create = async () => {
      if (!draft.title.trim()) return hub.fail({ code: "title_required" });
      draft.busy = true;
      try {
        const created = await hub.api.post("/cases", {
          organisationId: draft.organisationId, type: draft.type, title: draft.title.trim(),
          severity: draft.severity, parties: draft.party ? [{ name: draft.party, phone: draft.phone }] : [],
        });
        state.creating = false;
        hub.go("case", { id: created.id });
      } catch (err) {
        hub.fail(err);
      } finally {
        draft.busy = false;
      }
    };

    const select = (key, placeholder, options, testid, extra = {}) => h(ElSelect, {
      ...model(filter, key), placeholder, clearable: true, filterable: true, class: "filter", ...tid(testid),
      onChange: search, ...extra,
    }, () => options.map((o) => (o.name ? orgOption(o) : h(ElOption, { value: o.value, label: o.label }))));

    // a phone shows the search box; the other filters open on demand
    const folded = () => hub.phone && !state.moreFilters
      && !(filter.type || filter.status || filter.organisationId || filter.dates);
    const filters = () => h(ElCard, { shadow: "never", class: ["filters", { folded: folded() }] }, () => h("div", { class: "filter-row" }, [
      h(ElInput, {
        ...model(filter, "q"), placeholder: t("search_placeholder"), clearable: true, class: "filter wide",
        ...tid("case-search"), onKeyup: (e) => { if (e.key === "Enter") search(); }, onClear: search,
      }),
      select("type", t("type"), state.types.map((v) => ({ value: v, label: v })), "case-filter-type"),
      select("status", t("status"), STATUSES.map((s) => ({ value: s, label: t(s) })), "case-filter-status"),
      select("organisationId", t("organisation"), orgOptions(state.orgs), "case-filter-org"),
      h("span", { class: "filter dates", ...tid("case-filter-dates") }, h(ElDatePicker, {
        ...model(filter, "dates"), type: "daterange", valueFormat: "YYYY-MM-DD", unlinkPanels: true,
        startPlaceholder: t("date_from"), endPlaceholder: t("date_to"), rangeSeparator: "–", onChange: search,
      })),
      h(ElButton, { type: "primary", onClick: search, ...tid("case-search-go") }, () => t("search")),
      h(ElButton, { onClick: reset, ...tid("case-search-reset") }, () => t("reset")),
      hub.phone ? h(ElButton, { text: true, class: "more-filters", onClick: () => { state.moreFilters = !state.moreFilters; },
        ...tid("case-more-filters") }, () => t(folded() ? "more_filters" : "fewer_filters")) : null,
    ]));

    const table = () => withDirectives(h(ElTable, {
      data: state.items, stripe: true, class: "cases-table", ...tid("case-table"),
      emptyText: t("empty"), rowKey: "id",
    }, () => [
      h(ElTableColumn, { label: t("number"), minWidth: 200 }, { default: ({ row }) => h("span", { class: "mono" }, row.number) }),
      h(ElTableColumn, { label: t("case_title"), minWidth: 180 }, {
        default: ({ row }) => link(hub, pathOf("case", { id: row.id }), row.title, { ...tid("case-row"), class: "strong-link" }),
      }),
      h(ElTableColumn, { prop: "type", label: t("type"), width: 110 }),
      h(ElTableColumn, { label: t("severity"), width: 100 }, { default: ({ row }) => severity(t, row.severity) }),
      h(ElTableColumn, { label: t("status"), width: 110 }, { default: ({ row }) => statusTag(t, row.status) }),
      h(ElTableColumn, { label: t("organisation"), minWidth: 140 }, { default: ({ row }) => orgName(row.organisationId) }),
      h(ElTableColumn, { label: t("mediator"), width: 120 }, { default: ({ row }) => mediatorName(row.mediatorId) }),
      h(ElTableColumn, { label: t("registered_at"), width: 150 }, { default: ({ row }) => when(row.createdAt) }),
    ]), [[vLoading, state.loading]]);

    // a phone: one card per case, big enough to read and tap
    const cards = () => withDirectives(h("div", { class: "case-cards", ...tid("case-table") },
      state.items.length ? state.items.map((c) => h(ElCard, { shadow: "never", class: "case-card" }, () => [
        h("div", { class: "case-card-top" }, [statusTag(t, c.status), severity(t, c.severity)]),
        link(hub, pathOf("case", { id: c.id }), c.title, { ...tid("case-row"), class: "case-card-title" }),
        h("div", { class: "muted" }, `${c.type} · ${orgName(c.organisationId)}`),
        h("div", { class: "muted" }, when(c.createdAt)),
        h("div", { class: "muted mono" }, c.number),
      ])) : [h(ElEmpty, { description: t("empty") })]), [[vLoading, state.loading]]);

    const dialog = () => h(ElDialog, {
      modelValue: state.creating, "onUpdate:modelValue": (v) => { state.creating = v; },
      title: t("new_case"), width: hub.phone ? "94%" : "560px", ...tid("new-case-dialog"),
    }, {
      default: () => h(ElForm, { labelPosition: "top" }, () => [
        h(ElFormItem, { label: t("organisation") }, () => h(ElSelect, { ...model(draft, "organisationId"), filterable: true, ...tid("case-org") },
          () => orgOptions(state.orgs).map(orgOption))),
        h(ElFormItem, { label: t("type") }, () => h(ElSelect, {
          ...model(draft, "type"), filterable: true, allowCreate: true, defaultFirstOption: true, ...tid("case-type"),
        }, () => [...new Set(["邻里纠纷", "婚姻家庭", "物业纠纷", "劳动争议", "合同纠纷", "损害赔偿", ...state.types])]
          .map((v) => h(ElOption, { value: v, label: v })))),
        h(ElFormItem, { label: t("case_title"), required: true }, () => h(ElInput, { ...model(draft, "title"), maxlength: 200, ...tid("case-title") })),
        h(ElFormItem, { label: t("severity") }, () => h(ElSelect, { ...model(draft, "severity"), ...tid("case-severity") },
          () => hub.me.severityLevels.map((v) => h(ElOption, { value: v, label: t(v) })))),
        h(ElFormItem, { label: t("party_name") }, () => h(ElInput, { ...model(draft, "party"), maxlength: 50, ...tid("case-party") })),
        h(ElFormItem, { label: t("party_phone") }, () => h(ElInput, { ...model(draft, "phone"), inputmode: "tel", maxlength: 20, ...tid("case-phone") })),
      ]),
      footer: () => [
        h(ElButton, { onClick: () => { state.creating = false; } }, () => t("cancel")),
        h(ElButton, { type: "primary", loading: draft.busy, onClick: create, ...tid("case-create") }, () => t("create")),
      ],
    });

    return () => h("div", { class: "view" }, [
      h("div", { class: "view-head" }, [
        h("h2", { class: "view-title" }, t("cases")),
        hub.may("case.create") ? h(ElButton, { type: "primary", onClick: () => { state.creating = true; }, ...tid("new-case") },
          () => `＋ ${t("new_case")}`) : null,
      ]),
      filters(),
      h(ElCard, { shadow: "never" }, () => [
        hub.phone ? cards() : table(),
        h(ElPagination, {
          class: "pages", background: true, total: state.total, currentPage: state.page, pageSize: state.perPage,
          layout: hub.phone ? "total, prev, pager, next" : "total, sizes, prev, pager, next, jumper",
          pageSizes: [10, 20, 50, 100], pagerCount: hub.phone ? 5 : 7, ...tid("case-pages"),
          "onUpdate:currentPage": (p) => { state.page = p; load(); },
          "onUpdate:pageSize": (n) => { state.perPage = n; state.page = 1; load(); },
        }),
      ]),
      dialog(),
    ]);
  },
};
