// One case: its details, the statuses it may move to (from the server), the mediator,
// its history, its rooms and invitations (case-rooms.js) and its recordings.
import { h, inject, onMounted, reactive } from "vue";
import {
  ElButton, ElCard, ElDescriptions, ElDescriptionsItem, ElDialog, ElEmpty, ElForm, ElFormItem, ElOption,
  ElSelect, ElSkeleton, ElTimeline, ElTimelineItem,
} from "element-plus";
import { pathOf } from "../router.js";
import { link, model, severity, statusTag, tid, when } from "../ui.js";
import { CaseRooms } from "./case-rooms.js";

export const CaseView = {
  name: "CaseView",
  props: { params: { type: Object, required: true } },
  setup(props) {
    const hub = inject("hub");
    const { t } = hub;
    const state = reactive({ case: null, mediators: [], orgs: [], recordings: [], chosen: "", assigning: false, busy: false });
    const url = () => `/cases/${encodeURIComponent(props.params.id)}`;
    const may = (action) => Boolean(state.case && state.case.permissions.includes(action));

    const load = async () => {
      try {
        // everything the details show, before they show (no shift under a finger or a click)
        const [found, mediators, orgs] = await Promise.all([
          hub.api.get(url()),
          state.mediators.length ? state.mediators : hub.api.get("/mediators"),
          state.orgs.length ? state.orgs : hub.api.get("/organisations"),
        ]);
        Object.assign(state, { mediators, orgs, case: found, chosen: found.mediatorId || "" });
        if (may("recording.view")) {
          state.recordings = await hub.api.get(`/recordings?caseId=${encodeURIComponent(props.params.id)}`);
        }
      } catch (err) {
        hub.fail(err);
        if (err.status === 404 || err.status === 403) state.case = false;
      }
    };
    onMounted(load);

    const nameOf = (list, id, fallback = "") => (list.find((x) => x.id === id) || {}).name || fallback;
    const run = async (work) => {
      state.busy = true;
      try {
        await work();
        await load();
      } catch (err) {
        hub.fail(err);
        await load();
      } finally {
        state.busy = false;
      }
    };
    const assign = () => hub.api.post(`${url()}/assign`, { mediatorId: state.chosen });
    const move = (to) => hub.api.post(`${url()}/transition`, { to });
    const transition = (to) => {
      // "assigned" names a mediator: choose one first
      if (to === "assigned" && !state.case.mediatorId) state.assigning = true;
      else run(() => move(to));
    };

    const mediatorSelect = (testid) => h(ElSelect, {
      ...model(state, "chosen"), filterable: true, placeholder: t("choose_mediator"), class: "mediator-select", ...tid(testid),
    }, () => state.mediators.map((m) => h(ElOption, { value: m.id, label: m.name })));

    const details = (c) => h(ElDescriptions, {
      column: hub.phone ? 1 : 3, border: true, class: "block", ...tid("case-meta"),
    }, () => [
      h(ElDescriptionsItem, { label: t("status") }, () => statusTag(t, c.status)),
      h(ElDescriptionsItem, { label: t("type") }, () => c.type),
      h(ElDescriptionsItem, { label: t("severity") }, () => severity(t, c.severity)),
      h(ElDescriptionsItem, { label: t("organisation") }, () => nameOf(state.orgs, c.organisationId)),
      h(ElDescriptionsItem, { label: t("mediator") }, () => h("span", tid("case-mediator"), nameOf(state.mediators, c.mediatorId, t("unassigned")))),
      h(ElDescriptionsItem, { label: t("registered_at") }, () => when(c.createdAt)),
      h(ElDescriptionsItem, { label: t("parties") }, () => (c.parties.length
        ? c.parties.map((p) => `${p.name}${p.phone ? `（${p.phone}）` : ""}`).join("，") : "—")),
    ]);

    const workflow = (c) => h(ElCard, { shadow: "never", class: "block" }, {
      header: () => h("h3", null, t("workflow")),
      default: () => [
        c.allowedTransitions.length ? h("div", { class: "button-row" }, c.allowedTransitions.map((to) => h(ElButton, {
          type: "primary", plain: true, loading: state.busy, onClick: () => transition(to), ...tid(`transition-${to}`),
        }, () => `${t("move_to")}「${t(to)}」`))) : h("p", { class: "muted" }, t("no_transitions")),
        may("case.transition") ? h("div", { class: "button-row" }, [
          h("span", { class: "label" }, t("mediator")),
          mediatorSelect("assign-mediator"),
          h(ElButton, { disabled: !state.chosen, loading: state.busy, onClick: () => run(assign), ...tid("assign") }, () => t("assign")),
        ]) : null,
      ],
    });

    const timeline = (c) => h(ElCard, { shadow: "never", class: "block" }, {
      header: () => h("h3", null, t("history")),
      default: () => (c.history.length ? h(ElTimeline, null, () => c.history.map((step) => h(ElTimelineItem, {
        timestamp: when(step.at),
      }, () => `${t(step.from)} → ${t(step.to)}`))) : h("p", { class: "muted" }, t("no_history"))),
    });

    const recordings = () => h(ElCard, { shadow: "never", class: "block" }, {
      header: () => h("h3", null, t("recordings")),
      default: () => h("ul", { class: "plain-list", ...tid("case-recordings") }, state.recordings.length
        ? state.recordings.map((r) => h("li", null, [
          link(hub, pathOf("recording", { id: r.id }), `${when(r.startedAt)} · ${Math.round(r.durationS / 60)} ${t("minutes_short")}`,
            tid("recording-link")),
          " ", statusTag(t, r.state === "recording" ? "recording" : r.state),
          r.legalHold ? h("span", { class: "hold-mark" }, ` · ${t("legal_hold")}`) : null,
        ]))
        : [h("li", { class: "muted" }, t("no_recordings"))]),
    });

    const assignDialog = () => h(ElDialog, {
      modelValue: state.assigning, "onUpdate:modelValue": (v) => { state.assigning = v; },
      title: t("assign_then_move"), width: hub.phone ? "94%" : "460px",
    }, {
      default: () => h(ElForm, { labelPosition: "top" }, () => h(ElFormItem, { label: t("mediator") }, () => mediatorSelect("dialog-mediator"))),
      footer: () => [
        h(ElButton, { onClick: () => { state.assigning = false; } }, () => t("cancel")),
        h(ElButton, {
          type: "primary", disabled: !state.chosen, loading: state.busy, ...tid("assign-and-move"),
          onClick: () => { state.assigning = false; run(async () => { await assign(); await move("assigned"); }); },
        }, () => t("assign_then_move")),
      ],
    });

    return () => {
      const c = state.case;
      if (c === false) return h(ElEmpty, { description: t("not_found_case") });
      if (!c) return h(ElSkeleton, { rows: 6, animated: true });
      return h("div", { class: "view" }, [
        link(hub, pathOf("cases"), `← ${t("back")}`, { class: "back-link", ...tid("back") }),
        h("h2", { class: "view-title", id: "case-heading", ...tid("case-heading") }, `${c.title}`),
        h("p", { class: "muted mono" }, c.number),
        details(c),
        (may("case.transition") || c.allowedTransitions.length) ? workflow(c) : null,
        h(CaseRooms, { caseId: c.id, permissions: c.permissions, parties: c.parties }),
        may("recording.view") ? recordings() : null,
        timeline(c),
        assignDialog(),
      ]);
    };
  },
};
