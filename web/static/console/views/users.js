// Users of my subtree: find, create, edit (name, role among those I may grant,
// organisation in my subtree, a new password the user must then change) and disable
// or enable. The server enforces each rule; the page offers only what it allows.
import { computed, h, inject, onMounted, reactive, withDirectives } from "vue";
import {
  ElAlert, ElButton, ElCard, ElDialog, ElForm, ElFormItem, ElInput, ElMessageBox, ElOption, ElSelect,
  ElTable, ElTableColumn, ElTag, vLoading,
} from "element-plus";
import { errorText, model, orgOption, orgOptions, tid } from "../ui.js";

const MIN_LENGTH = 10;

export const UsersView = {
  name: "UsersView",
  setup() {
    const hub = inject("hub");
    const { t } = hub;
    const state = reactive({ users: [], orgs: [], loading: false, busy: false, editing: null, creating: false, error: "" });
    const filter = reactive({ q: "", org: "", role: "" });
    const edit = reactive({ name: "", role: "", organisationId: "", password: "" });
    const draft = reactive({ username: "", name: "", role: "mediator", organisationId: "", password: "" });

    const load = async () => {
      state.loading = true;
      try {
        [state.users, state.orgs] = await Promise.all([hub.api.get("/users"), hub.api.get("/organisations")]);
        if (!draft.organisationId && state.orgs.length) draft.organisationId = state.orgs[0].id;
      } catch (err) {
        hub.fail(err);
      } finally {
        state.loading = false;
      }
    };
    onMounted(load);

    const orgName = (id) => (state.orgs.find((o) => o.id === id) || {}).name || "";
    const inOrg = (user) => {
      if (!filter.org) return true;
      const prefix = (state.orgs.find((o) => o.id === filter.org) || {}).id;
      // the chosen organisation and those under it
      let at = state.orgs.find((o) => o.id === user.organisationId);
      while (at) {
        if (at.id === prefix) return true;
        at = state.orgs.find((o) => o.id === at.parentId);
      }
      return false;
    };
    const shown = computed(() => state.users.filter((u) => {
      const q = filter.q.trim().toLowerCase();
      return (!q || u.username.toLowerCase().includes(q) || u.name.toLowerCase().includes(q))
        && (!filter.role || u.role === filter.role) && inOrg(u);
    }));

    const roleOptions = () => hub.me.grantableRoles.map((r) => h(ElOption, { value: r, label: t(r) }));
    const orgSelect = (target, key, testid, disabled = false) => h(ElSelect, {
      ...model(target, key), filterable: true, disabled, ...tid(testid),
    }, () => orgOptions(state.orgs).map(orgOption));

    const openEdit = (user) => {
      Object.assign(edit, { name: user.name, role: user.role, organisationId: user.organisationId, password: "" });
      state.error = "";
      state.editing = user;
    };
    const save = async () => {
      const user = state.editing;
      const changes = {};
      if (edit.name.trim() !== user.name) changes.name = edit.name.trim();
      if (edit.role !== user.role) changes.role = edit.role;
      if (edit.organisationId !== user.organisationId) changes.organisationId = edit.organisationId;
      if (edit.password) changes.password = edit.password;
      if (!Object.keys(changes).length) {
        state.editing = null;
        return;
      }
      state.busy = true;
      state.error = "";
      try {
        await hub.api.patch(`/users/${encodeURIComponent(user.id)}`, changes);
        state.editing = null;
        hub.done(t("user_saved", { name: changes.name || user.name }));
        await load();
      } catch (err) {
        state.error = errorText(t, hub.hasKey, err, hub.lang);
      } finally {
        state.busy = false;
      }
    };
    const toggle = async (user) => {
      const active = !user.active;
      try {
        await ElMessageBox.confirm(t(active ? "enable_confirm" : "disable_confirm", { name: user.name }),
          t(active ? "enable" : "disable"), {
            confirmButtonText: t(active ? "enable" : "disable"), cancelButtonText: t("cancel"), type: active ? "info" : "warning",
          });
      } catch (cancelled) {
        return;
      }
      try {
        await hub.api.patch(`/users/${encodeURIComponent(user.id)}`, { active });
        hub.done(t(active ? "enabled_ok" : "disabled_ok", { name: user.name }));
        await load();
      } catch (err) {
        hub.fail(err);
      }
    };
    const create = async () => {
      state.busy = true;
      state.error = "";
      try {
        const user = await hub.api.post("/users", { ...draft });
        state.creating = false;
        hub.done(t("user_created", { name: user.name }));
        Object.assign(draft, { username: "", name: "", password: "" });
        await load();
      } catch (err) {
        state.error = errorText(t, hub.hasKey, err, hub.lang);
      } finally {
        state.busy = false;
      }
    };

    const statusTags = (row) => [
      h(ElTag, { type: row.active ? "success" : "danger", disableTransitions: true, ...tid("user-state") }, () => t(row.active ? "active_user" : "disabled_user")),
      row.mustChangePassword ? h(ElTag, { type: "warning", class: "gap-left", disableTransitions: true }, () => t("must_change_tag")) : null,
    ];
    const actionsOf = (row) => (row.id === hub.me.id ? h("span", { class: "muted" }, t("that_is_you"))
      : hub.me.grantableRoles.includes(row.role) ? [
        h(ElButton, { onClick: () => openEdit(row), ...tid("user-edit") }, () => t("edit")),
        h(ElButton, { type: row.active ? "danger" : "success", plain: true, onClick: () => toggle(row), ...tid("user-toggle") },
          () => t(row.active ? "disable" : "enable")),
      ] : "—");
    const table = () => withDirectives(h(ElTable, { data: shown.value, stripe: true, emptyText: t("no_users"), ...tid("users-table") }, () => [
      h(ElTableColumn, { label: t("username"), minWidth: 130 }, { default: ({ row }) => h("span", { class: "mono", "data-username": row.username }, row.username) }),
      h(ElTableColumn, { prop: "name", label: t("name"), minWidth: 120 }),
      h(ElTableColumn, { label: t("role"), width: 110 }, { default: ({ row }) => t(row.role) }),
      h(ElTableColumn, { label: t("organisation"), minWidth: 150 }, { default: ({ row }) => orgName(row.organisationId) }),
      h(ElTableColumn, { label: t("status"), minWidth: 150 }, { default: ({ row }) => statusTags(row) }),
      h(ElTableColumn, { label: t("actions"), minWidth: 170 }, { default: ({ row }) => actionsOf(row) }),
    ]), [[vLoading, state.loading]]);

    // a phone: one card per user, its buttons under it (a table would hide them)
    const cards = () => withDirectives(h("div", { class: "case-cards", ...tid("users-table") }, shown.value.map((row) =>
      h(ElCard, { shadow: "never", class: "case-card user-card" }, () => h("table", { class: "user-card-body" }, h("tbody", null, [
        h("tr", null, [h("td", { class: "case-card-title" }, row.name), h("td", { class: "align-end" }, statusTags(row))]),
        h("tr", null, [h("td", { class: "mono", "data-username": row.username, colspan: 2 }, row.username)]),
        h("tr", null, [h("td", { class: "muted", colspan: 2 }, `${t(row.role)} · ${orgName(row.organisationId)}`)]),
        h("tr", null, [h("td", { colspan: 2 }, h("div", { class: "button-row" }, actionsOf(row)))]),
      ]))))), [[vLoading, state.loading]]);

    const passwordHint = () => h("p", { class: "hint" }, t("password_rules", { n: MIN_LENGTH }));
    const errorBox = () => (state.error ? h(ElAlert, { type: "error", title: state.error, closable: false, showIcon: true, class: "block", ...tid("user-error") }) : null);
    const editDialog = () => h(ElDialog, {
      modelValue: Boolean(state.editing), "onUpdate:modelValue": (v) => { if (!v) state.editing = null; },
      title: state.editing ? t("edit_user", { name: state.editing.username }) : "", width: hub.phone ? "94%" : "520px",
      ...tid("user-dialog"),
    }, {
      default: () => h(ElForm, { labelPosition: "top" }, () => [
        h(ElFormItem, { label: t("name") }, () => h(ElInput, { ...model(edit, "name"), maxlength: 100, ...tid("user-edit-name") })),
        h(ElFormItem, { label: t("role") }, () => h(ElSelect, { ...model(edit, "role"), ...tid("user-edit-role") }, roleOptions)),
        h(ElFormItem, { label: t("organisation") }, () => orgSelect(edit, "organisationId", "user-edit-org")),
        h(ElFormItem, { label: t("reset_password") }, () => h(ElInput, {
          ...model(edit, "password"), type: "password", showPassword: true, autocomplete: "new-password",
          placeholder: t("reset_password_hint"), ...tid("user-edit-password"),
        })),
        passwordHint(),
        errorBox(),
      ]),
      footer: () => [
        h(ElButton, { onClick: () => { state.editing = null; } }, () => t("cancel")),
        h(ElButton, { type: "primary", loading: state.busy, onClick: save, ...tid("user-save") }, () => t("save")),
      ],
    });
    const createDialog = () => h(ElDialog, {
      modelValue: state.creating, "onUpdate:modelValue": (v) => { state.creating = v; },
      title: t("user_create"), width: hub.phone ? "94%" : "520px",
    }, {
      default: () => h(ElForm, { labelPosition: "top" }, () => [
        h(ElFormItem, { label: t("username") }, () => h(ElInput, { ...model(draft, "username"), maxlength: 64, autocomplete: "off", ...tid("user-username") })),
        h(ElFormItem, { label: t("name") }, () => h(ElInput, { ...model(draft, "name"), maxlength: 100, ...tid("user-name") })),
        h(ElFormItem, { label: t("role") }, () => h(ElSelect, { ...model(draft, "role"), ...tid("user-role") }, roleOptions)),
        h(ElFormItem, { label: t("organisation") }, () => orgSelect(draft, "organisationId", "user-org")),
        h(ElFormItem, { label: t("initial_password") }, () => h(ElInput, {
          ...model(draft, "password"), type: "password", showPassword: true, autocomplete: "new-password", ...tid("user-password"),
        })),
        passwordHint(),
        h("p", { class: "hint" }, t("initial_password_hint")),
        errorBox(),
      ]),
      footer: () => [
        h(ElButton, { onClick: () => { state.creating = false; } }, () => t("cancel")),
        h(ElButton, { type: "primary", loading: state.busy, onClick: create, ...tid("user-create") }, () => t("user_create")),
      ],
    });

    return () => h("div", { class: "view" }, [
      h("div", { class: "view-head" }, [
        h("h2", { class: "view-title" }, t("nav_users")),
        h(ElButton, { type: "primary", onClick: () => { state.error = ""; state.creating = true; }, ...tid("new-user") }, () => `＋ ${t("user_create")}`),
      ]),
      h(ElCard, { shadow: "never", class: "filters" }, () => h("div", { class: "filter-row" }, [
        h(ElInput, { ...model(filter, "q"), placeholder: t("user_search"), clearable: true, class: "filter wide", ...tid("user-search") }),
        h(ElSelect, { ...model(filter, "org"), placeholder: t("organisation"), clearable: true, filterable: true, class: "filter", ...tid("user-filter-org") },
          () => orgOptions(state.orgs).map(orgOption)),
        h(ElSelect, { ...model(filter, "role"), placeholder: t("role"), clearable: true, class: "filter", ...tid("user-filter-role") },
          () => ["admin", "intake", "mediator", "reviewer", "evaluator", "command"].map((r) => h(ElOption, { value: r, label: t(r) }))),
      ])),
      h(ElCard, { shadow: "never" }, () => (hub.phone ? cards() : table())),
      editDialog(),
      createDialog(),
    ]);
  },
};
