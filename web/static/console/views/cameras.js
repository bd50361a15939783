// Street cameras of my subtree (administrators: camera.manage): the registry (name,
// location, source, live state, last picture), a camera added from an RTSP URL or a
// GB/T 28181 device's channel, edited, deleted. Credentials go in and never come back:
// the API says only whether a camera has some. GB/T 28181 devices: views/gb-devices.js.
import { computed, h, inject, onMounted, reactive, withDirectives } from "vue";
import {
  ElAlert, ElButton, ElCard, ElDialog, ElForm, ElFormItem, ElInput, ElMessageBox, ElOption, ElRadioButton,
  ElRadioGroup, ElSelect, ElTable, ElTableColumn, ElTag, vLoading,
} from "element-plus";
import { errorText, model, orgOption, orgOptions, tid, when } from "../ui.js";
import { GbDevices } from "./gb-devices.js";

const STATE_TYPES = {
  online: "success", connecting: "primary", idle: "info", closed: "info", offline: "warning", unreachable: "warning",
  auth_failed: "danger", not_found: "danger", bad_url: "danger", unsupported_codec: "danger",
};

const EMPTY = {
  organisationId: "", name: "", location: "", kind: "rtsp", rtspUrl: "", transport: "tcp",
  gbDeviceId: "", gbChannelId: "", username: "", password: "",
};

/** The body of POST /cameras (or, with `before`, PATCH: only what changed). */
export function cameraBody(form, before = null) {
  const body = { organisationId: form.organisationId, name: form.name.trim(), location: form.location.trim() };
  if (form.kind === "rtsp") Object.assign(body, { rtspUrl: form.rtspUrl.trim(), transport: form.transport });
  else Object.assign(body, { gbDeviceId: form.gbDeviceId.trim(), gbChannelId: form.gbChannelId.trim() });
  if (form.username) body.username = form.username.trim();
  if (form.password) body.password = form.password;
  if (!before) return body;
  const was = {
    organisationId: before.organisationId, name: before.name, location: before.location, rtspUrl: before.rtspUrl,
    transport: before.transport, gbDeviceId: before.gbDeviceId, gbChannelId: before.gbChannelId,
  };
  return Object.fromEntries(Object.entries(body).filter(([key, value]) => was[key] !== value));
}

export const CamerasView = {
  name: "CamerasView",
  setup() {
    const hub = inject("hub");
    const { t } = hub;
    const state = reactive({ cameras: [], orgs: [], loading: false, busy: false, open: false, editing: null, error: "" });
    const form = reactive({ ...EMPTY });

    const load = async () => {
      state.loading = true;
      try {
        [state.cameras, state.orgs] = await Promise.all([hub.api.get("/cameras"), hub.api.get("/organisations")]);
      } catch (err) {
        hub.fail(err);
      } finally {
        state.loading = false;
      }
    };
    onMounted(load);
    const orgName = (id) => (state.orgs.find((o) => o.id === id) || {}).name || "";
    const manage = computed(() => hub.may("camera.manage"));

    const openNew = () => {
      Object.assign(form, EMPTY, { organisationId: state.orgs.length ? state.orgs[0].id : "" });
      Object.assign(state, { editing: null, error: "", open: true });
    };
    const openEdit = (camera) => {
      Object.assign(form, EMPTY, {
        organisationId: camera.organisationId, name: camera.name, location: camera.location,
        kind: camera.source === "gb28181" ? "gb28181" : "rtsp", rtspUrl: camera.rtspUrl || "",
        transport: camera.transport || "tcp", gbDeviceId: camera.gbDeviceId || "", gbChannelId: camera.gbChannelId || "",
      });
      Object.assign(state, { editing: camera, error: "", open: true });
    };
    const submit = async () => {
      state.busy = true;
      state.error = "";
      try {
        const camera = state.editing;
        if (camera) {
          const changes = cameraBody(form, camera);
          if (Object.keys(changes).length) await hub.api.patch(`/cameras/${encodeURIComponent(camera.id)}`, changes);
          hub.done(t("camera_saved", { name: form.name.trim() }));
        } else {
          const made = await hub.api.post("/cameras", cameraBody(form));
          hub.done(t("camera_created", { name: made.name }));
        }
        state.open = false;
        await load();
      } catch (err) {
        state.error = errorText(t, hub.hasKey, err, hub.lang);
      } finally {
        state.busy = false;
      }
    };
    const remove = async (camera) => {
      try {
        await ElMessageBox.confirm(t("camera_delete_confirm", { name: camera.name }), t("camera_delete"), {
          confirmButtonText: t("camera_delete"), cancelButtonText: t("cancel"), type: "warning",
        });
      } catch (cancelled) {
        return;
      }
      try {
        await hub.api.del(`/cameras/${encodeURIComponent(camera.id)}`);
        hub.done(t("camera_deleted", { name: camera.name }));
        await load();
      } catch (err) {
        hub.fail(err);
      }
    };

    const source = (c) => (c.source === "rtsp" ? c.rtspUrl : `GB ${c.gbDeviceId} / ${c.gbChannelId}`);
    const stateTag = (c) => h(ElTag, {
      type: STATE_TYPES[c.state] || "info", disableTransitions: true, title: c.stateDetail || "", ...tid("camera-state"),
    }, () => t(`camera_state_${c.state}`));
    const credentials = (c) => (c.hasCredentials ? h("span", { class: "muted" }, t("camera_has_credentials")) : "—");
    const actionsOf = (c) => (manage.value ? [
      h(ElButton, { onClick: () => openEdit(c), ...tid("camera-edit") }, () => t("edit")),
      h(ElButton, { type: "danger", plain: true, onClick: () => remove(c), ...tid("camera-delete") }, () => t("camera_delete")),
    ] : "—");
    const rowAttrs = ({ row }) => ({ "data-camera-id": row.id });

    const table = () => withDirectives(h(ElTable, {
      data: state.cameras, stripe: true, emptyText: t("camera_none_yet"), rowClassName: "camera-row", ...tid("cameras"),
      rowKey: "id",
    }, () => [
      h(ElTableColumn, { label: t("camera_title"), minWidth: 130 }, { default: ({ row }) => h("span", rowAttrs({ row }), row.name) }),
      h(ElTableColumn, { label: t("organisation"), minWidth: 120 }, { default: ({ row }) => orgName(row.organisationId) }),
      h(ElTableColumn, { prop: "location", label: t("camera_location"), minWidth: 100 }),
      h(ElTableColumn, { label: t("camera_source"), minWidth: 200 }, { default: ({ row }) => h("span", { class: "mono break" }, source(row)) }),
      h(ElTableColumn, { label: t("camera_credentials"), width: 100 }, { default: ({ row }) => credentials(row) }),
      h(ElTableColumn, { label: t("status"), width: 120 }, { default: ({ row }) => stateTag(row) }),
      h(ElTableColumn, { label: t("camera_last_frame"), width: 140 }, { default: ({ row }) => when(row.lastFrameAt) || "—" }),
      h(ElTableColumn, { label: t("actions"), minWidth: 160 }, { default: ({ row }) => h("div", { class: "button-row" }, actionsOf(row)) }),
    ]), [[vLoading, state.loading]]);

    // a phone: a card per camera, its buttons under it
    const cards = () => withDirectives(h("div", { class: "case-cards", ...tid("cameras") }, state.cameras.length
      ? state.cameras.map((c) => h(ElCard, { shadow: "never", class: "case-card camera-row", "data-camera-id": c.id }, () => [
        h("div", { class: "camera-card-head" }, [h("span", { class: "case-card-title" }, c.name), stateTag(c)]),
        h("p", { class: "muted" }, [orgName(c.organisationId), c.location].filter(Boolean).join(" · ")),
        h("p", { class: "mono break" }, source(c)),
        h("p", { class: "muted" }, [
          c.hasCredentials ? t("camera_has_credentials") : "",
          `${t("camera_last_frame")}：${when(c.lastFrameAt) || "—"}`,
        ].filter(Boolean).join(" · ")),
        h("div", { class: "button-row" }, actionsOf(c)),
      ]))
      : h("p", { class: "muted" }, t("camera_none_yet"))), [[vLoading, state.loading]]);

    const field = (label, key, testid, props = {}) => h(ElFormItem, { label }, () => h(ElInput, { ...model(form, key), ...tid(testid), ...props }));
    const dialog = () => h(ElDialog, {
      modelValue: state.open, "onUpdate:modelValue": (v) => { state.open = v; },
      title: state.editing ? t("camera_edit", { name: state.editing.name }) : t("camera_create"),
      width: hub.phone ? "94%" : "560px", ...tid("camera-dialog"),
    }, {
      default: () => h(ElForm, { labelPosition: "top" }, () => [
        h(ElFormItem, { label: t("organisation") }, () => h(ElSelect, { ...model(form, "organisationId"), filterable: true, ...tid("camera-org") },
          () => orgOptions(state.orgs).map(orgOption))),
        field(t("camera_title"), "name", "camera-name", { maxlength: 100, placeholder: t("camera_name") }),
        field(t("camera_location"), "location", "camera-location", { maxlength: 200 }),
        h(ElFormItem, { label: t("camera_source") }, () => h(ElRadioGroup, { ...model(form, "kind"), ...tid("camera-kind") }, () => [
          h(ElRadioButton, { value: "rtsp", ...tid("camera-kind-rtsp") }, () => "RTSP"),
          h(ElRadioButton, { value: "gb28181", ...tid("camera-kind-gb") }, () => t("camera_kind_gb")),
        ])),
        ...(form.kind === "rtsp" ? [
          field(t("camera_rtsp_label"), "rtspUrl", "camera-rtsp", { maxlength: 1000, placeholder: t("camera_rtsp"), class: "mono" }),
          h(ElFormItem, { label: t("camera_transport") }, () => h(ElSelect, { ...model(form, "transport"), ...tid("camera-transport") }, () => [
            h(ElOption, { value: "tcp", label: "RTSP/TCP" }), h(ElOption, { value: "udp", label: "RTSP/UDP" }),
          ])),
        ] : [
          field(t("gb_device_id"), "gbDeviceId", "camera-gb-device", { maxlength: 20, class: "mono" }),
          field(t("gb_channel_id"), "gbChannelId", "camera-gb-channel", { maxlength: 20, class: "mono" }),
        ]),
        field(t("camera_username"), "username", "camera-username", { maxlength: 100, autocomplete: "off" }),
        field(t("camera_password"), "password", "camera-password", {
          maxlength: 200, type: "password", showPassword: true, autocomplete: "new-password",
        }),
        h("p", { class: "hint" }, t(state.editing?.hasCredentials ? "camera_credentials_kept" : "camera_credentials_hint")),
        state.error ? h(ElAlert, { type: "error", title: state.error, closable: false, showIcon: true, class: "block", ...tid("camera-error") }) : null,
      ]),
      footer: () => [
        h(ElButton, { onClick: () => { state.open = false; } }, () => t("cancel")),
        h(ElButton, { type: "primary", loading: state.busy, onClick: submit, ...tid(state.editing ? "camera-save" : "camera-create") },
          () => t(state.editing ? "save" : "camera_create")),
      ],
    });

    return () => h("div", { class: "view", ...tid("camera-admin") }, [
      h("div", { class: "view-head" }, [
        h("h2", { class: "view-title" }, t("nav_cameras")),
        manage.value ? h(ElButton, { type: "primary", onClick: openNew, ...tid("new-camera") }, () => `＋ ${t("camera_create")}`) : null,
      ]),
      h("p", { class: "hint" }, t("camera_hint")),
      hub.phone ? cards() : h(ElCard, { shadow: "never", class: "block" }, table),
      h(GbDevices, { orgs: state.orgs, manage: manage.value, onCamerasChanged: load }),
      dialog(),
    ]);
  },
};
