// Administration of the organisation tree: the tree, a new organisation under one,
// and an organisation's recording policy (required or not, retention), inherited
// down the tree when left empty. The summary always names the organisation it is for.
import { h, inject, onMounted, reactive } from "vue";
import {
  ElButton, ElCard, ElForm, ElFormItem, ElInput, ElInputNumber, ElOption, ElSelect, ElTag, ElTree,
} from "element-plus";
import { model, orgOption, orgOptions, tid } from "../ui.js";

/** The flat list (each with parentId) as the tree ElTree shows. */
export function treeOf(orgs) {
  const nodes = new Map(orgs.map((o) => [o.id, { ...o, children: [] }]));
  const roots = [];
  for (const node of nodes.values()) {
    const parent = node.parentId && nodes.get(node.parentId);
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

export const OrganisationsView = {
  name: "OrganisationsView",
  setup() {
    const hub = inject("hub");
    const { t } = hub;
    const state = reactive({ orgs: [], selected: "", policy: null, busy: false });
    const draft = reactive({ parentId: "", code: "", name: "", level: "community" });
    const rule = reactive({ required: "inherit", retentionDays: null });

    const nameOf = (id) => (state.orgs.find((o) => o.id === id) || {}).name || "";
    const showPolicy = async (orgId) => {
      state.selected = orgId;
      try {
        const policy = await hub.api.get(`/organisations/${encodeURIComponent(orgId)}/recording-policy`);
        if (state.selected !== orgId) return; // another was chosen meanwhile
        state.policy = policy;
        rule.required = policy.own.required === null ? "inherit" : String(policy.own.required);
        rule.retentionDays = policy.own.retentionDays;
      } catch (err) {
        hub.fail(err);
      }
    };
    const load = async () => {
      state.orgs = await hub.api.get("/organisations");
      if (!draft.parentId && state.orgs.length) draft.parentId = state.orgs[0].id;
    };
    onMounted(async () => {
      try {
        await load();
        if (state.orgs.length) await showPolicy(state.orgs[0].id);
      } catch (err) {
        hub.fail(err);
      }
    });

    const create = async () => {
      state.busy = true;
      try {
        const org = await hub.api.post("/organisations", { ...draft });
        hub.done(t("org_created", { name: org.name }));
        Object.assign(draft, { code: "", name: "" });
        await load();
      } catch (err) {
        hub.fail(err);
      } finally {
        state.busy = false;
      }
    };
    const save = async () => {
      const orgId = state.selected;
      if (!orgId) return;
      state.busy = true;
      try {
        const policy = await hub.api.put(`/organisations/${encodeURIComponent(orgId)}/recording-policy`, {
          required: rule.required === "inherit" ? null : rule.required === "true",
          retentionDays: rule.retentionDays || null,
        });
        state.policy = policy; // the organisation just saved, whatever the tree does next
        await load();
        hub.done(t("policy_saved", { name: nameOf(orgId) }));
      } catch (err) {
        hub.fail(err);
      } finally {
        state.busy = false;
      }
    };

    const describe = (o) => [
      o.recordingRequired === true ? t("rule_required") : o.recordingRequired === false ? t("rule_optional") : "",
      o.retentionDays ? t("rule_kept", { days: o.retentionDays }) : "",
    ].filter(Boolean).join(" · ");
    const summary = () => {
      const p = state.policy;
      if (!p) return "";
      const e = p.effective;
      const by = (id) => (id ? nameOf(id) : t("system_default"));
      return t("policy_summary", {
        name: nameOf(p.organisationId),
        required: t(e.required ? "policy_required" : "policy_optional"),
        requiredBy: by(e.requiredBy),
        kept: e.retentionDays ? t("policy_kept_days", { days: e.retentionDays }) : t("kept_forever"),
        keptBy: by(e.retentionBy),
      });
    };

    const tree = () => h(ElCard, { shadow: "never", class: "block" }, {
      header: () => h("h3", null, t("org_tree")),
      default: () => h(ElTree, {
        data: treeOf(state.orgs), nodeKey: "id", defaultExpandAll: true, expandOnClickNode: false,
        highlightCurrent: true, currentNodeKey: state.selected, class: "org-tree", ...tid("org-tree"),
        onNodeClick: (node) => { draft.parentId = node.id; showPolicy(node.id); },
      }, {
        default: ({ data }) => h("span", { class: "org-node", "data-org-id": data.id }, [
          h("span", { class: "org-name" }, data.name),
          h(ElTag, { size: "small", effect: "plain", disableTransitions: true }, () => t(`level_${data.level}`)),
          h("span", { class: "muted mono" }, data.code),
          describe(data) ? h("span", { class: "org-rules" }, describe(data)) : null,
        ]),
      }),
    });

    const options = () => orgOptions(state.orgs).map(orgOption);
    const newOrg = () => h(ElCard, { shadow: "never", class: "block" }, {
      header: () => h("h3", null, t("org_create")),
      default: () => h(ElForm, { labelPosition: "top", class: "grid-form" }, () => [
        h(ElFormItem, { label: t("org_parent") }, () => h(ElSelect, { ...model(draft, "parentId"), filterable: true, ...tid("org-parent") }, options)),
        h(ElFormItem, { label: t("org_code") }, () => h(ElInput, { ...model(draft, "code"), maxlength: 32, ...tid("org-code") })),
        h(ElFormItem, { label: t("org_name") }, () => h(ElInput, { ...model(draft, "name"), maxlength: 100, ...tid("org-name") })),
        h(ElFormItem, { label: t("org_level") }, () => h(ElSelect, { ...model(draft, "level"), ...tid("org-level") },
          () => ["township", "community"].map((l) => h(ElOption, { value: l, label: t(`level_${l}`) })))),
        h(ElFormItem, { class: "form-actions" }, () => h(ElButton, { type: "primary", loading: state.busy, onClick: create, ...tid("org-create") }, () => t("org_create"))),
      ]),
    });

    const policyCard = () => h(ElCard, { shadow: "never", class: "block" }, {
      header: () => h("h3", null, `${t("recording_policy")}${state.selected ? `：${nameOf(state.selected)}` : ""}`),
      default: () => [
        h("p", { class: "hint" }, t("policy_hint")),
        h(ElForm, { labelPosition: "top", class: "grid-form" }, () => [
          h(ElFormItem, { label: t("organisation") }, () => h(ElSelect, {
            modelValue: state.selected, "onUpdate:modelValue": (v) => showPolicy(v), filterable: true, ...tid("policy-org"),
          }, options)),
          h(ElFormItem, { label: t("recording") }, () => h(ElSelect, { ...model(rule, "required"), ...tid("policy-required") }, () => [
            h(ElOption, { value: "inherit", label: t("policy_inherit") }),
            h(ElOption, { value: "true", label: t("policy_required") }),
            h(ElOption, { value: "false", label: t("policy_optional") }),
          ])),
          h(ElFormItem, { label: t("retention_days") }, () => h(ElInputNumber, {
            ...model(rule, "retentionDays"), min: 1, max: 36500, controlsPosition: "right",
            placeholder: t("policy_inherit"), valueOnClear: null, ...tid("policy-retention"),
          })),
          h(ElFormItem, { class: "form-actions" }, () => h(ElButton, {
            type: "primary", loading: state.busy, onClick: save, ...tid("policy-save"),
          }, () => t("save"))),
        ]),
        h("p", { class: "policy-summary", ...tid("policy-effective") }, summary()),
      ],
    });

    return () => h("div", { class: "view" }, [
      h("h2", { class: "view-title" }, t("nav_organisations")),
      h("div", { class: "two-columns" }, [tree(), h("div", null, [policyCard(), newOrg()])]),
    ]);
  },
};
