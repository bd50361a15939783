// GB/T 28181 on the cameras view: this platform's SIP identity, the devices (or lower
// platforms) bound to organisations, those that knocked and wait (binding one approves
// it), and a device's catalogue as a tree whose camera channels become cameras.
import { h, inject, onMounted, reactive } from "vue";
import { ElAlert, ElButton, ElCard, ElDialog, ElForm, ElFormItem, ElInput, ElSelect, ElTag, ElTree } from "element-plus";
import { errorText, model, orgOption, orgOptions, tid } from "../ui.js";

const DEVICE_STATE_TYPES = { registered: "success", online: "success", offline: "warning", unregistered: "info", pending: "warning" };

export const GbDevices = {
  name: "GbDevices",
  props: { orgs: { type: Array, required: true }, manage: { type: Boolean, default: false } },
  emits: ["camerasChanged"],
  setup(props, { emit }) {
    const hub = inject("hub");
    const { t } = hub;
    const state = reactive({ platform: null, devices: [], pending: [], open: "", binding: false, busy: false, error: "", loaded: false });
    const draft = reactive({ organisationId: "", deviceId: "", name: "", password: "" });
    const added = reactive(new Set()); // channel ids made cameras while this view is open

    const load = async () => {
      try {
        const answer = await hub.api.get("/gb-devices");
        Object.assign(state, { platform: answer.platform, devices: answer.devices, pending: answer.pending, loaded: true });
      } catch (err) {
        hub.fail(err);
      }
    };
    onMounted(load);
    const orgName = (id) => (props.orgs.find((o) => o.id === id) || {}).name || "";

    const openBind = (deviceId = "") => {
      Object.assign(draft, { organisationId: draft.organisationId || (props.orgs[0] || {}).id || "", deviceId, name: "", password: "" });
      Object.assign(state, { error: "", binding: true });
    };
    const bind = async () => {
      state.busy = true;
      state.error = "";
      try {
        const body = { organisationId: draft.organisationId, deviceId: draft.deviceId.trim(), name: draft.name.trim() };
        if (draft.password) body.password = draft.password;
        await hub.api.post("/gb-devices", body);
        state.binding = false;
        hub.done(t("gb_bound", { name: body.name }));
        await load();
      } catch (err) {
        state.error = errorText(t, hub.hasKey, err, hub.lang);
      } finally {
        state.busy = false;
      }
    };
    const unbind = async (device) => {
      try {
        await hub.api.del(`/gb-devices/${encodeURIComponent(device.deviceId)}`);
        await load();
      } catch (err) {
        hub.fail(err);
      }
    };
    const addChannel = async (device, node) => {
      try {
        await hub.api.post("/cameras", {
          organisationId: device.organisationId, name: node.name || node.channelId, location: node.address || "",
          gbDeviceId: device.deviceId, gbChannelId: node.channelId,
        });
        added.add(node.channelId);
        hub.done(t("camera_created", { name: node.name || node.channelId }));
        emit("camerasChanged");
      } catch (err) {
        hub.fail(err);
      }
    };

    /** One level of a device's catalogue (ElTree asks as nodes are opened). */
    const loader = (device) => async (node, resolve) => {
      const parent = node.level === 0 ? "" : `?parent=${encodeURIComponent(node.data.channelId)}`;
      try {
        const level = await hub.api.get(`/gb-devices/${encodeURIComponent(device.deviceId)}/channels${parent}`);
        resolve(level.nodes.map((n) => ({ ...n, label: n.name || n.channelId, leaf: !n.hasChildren })));
      } catch (err) {
        hub.fail(err);
        resolve([]);
      }
    };
    const channel = (device, data) => h("span", { class: "gb-node", "data-channel-id": data.channelId }, [
      h("span", null, data.label),
      data.online === false ? h("span", { class: "muted" }, `（${t("gb_offline")}）`) : null,
      data.kind !== "camera" ? null
        : data.cameraId || added.has(data.channelId) ? h(ElTag, { type: "success", disableTransitions: true }, () => t("gb_in_registry"))
          : props.manage ? h(ElButton, {
            type: "primary", plain: true, ...tid("gb-add-camera"),
            onClick: (event) => { event.stopPropagation(); addChannel(device, data); },
          }, () => t("gb_add_camera")) : null,
    ]);
    const tree = (device) => h(ElTree, {
      key: device.deviceId, lazy: true, load: loader(device), props: { label: "label", isLeaf: "leaf" }, nodeKey: "channelId",
      emptyText: t("gb_no_channels"), class: "gb-tree", ...tid("gb-catalogue"),
    }, { default: ({ data }) => channel(device, data) });

    const deviceItem = (d) => h("li", { class: "gb-device", "data-device-id": d.deviceId }, [
      h("div", { class: "gb-device-head" }, [
        h("span", { class: "case-card-title" }, d.name),
        h("span", { class: "mono muted" }, d.deviceId),
        h(ElTag, { type: DEVICE_STATE_TYPES[d.live.state] || "info", disableTransitions: true }, () => t(`gb_state_${d.live.state}`)),
        d.live.channels ? h("span", { class: "muted" }, t("gb_channels", { n: d.live.channels })) : null,
        h("span", { class: "muted" }, orgName(d.organisationId)),
        h("div", { class: "button-row" }, [
          h(ElButton, { onClick: () => { state.open = state.open === d.deviceId ? "" : d.deviceId; }, ...tid("gb-tree") }, () => t("gb_tree")),
          props.manage ? h(ElButton, { type: "danger", plain: true, onClick: () => unbind(d), ...tid("gb-unbind") }, () => t("gb_unbind")) : null,
        ]),
      ]),
      state.open === d.deviceId ? tree(d) : null,
    ]);

    const pending = () => (state.pending.length ? [
      h("h4", { class: "gb-subhead" }, t("gb_pending")),
      h("ul", { class: "gb-list", ...tid("gb-pending") }, state.pending.map((p) => h("li", { class: "gb-pending" }, [
        h("span", { class: "mono" }, p.deviceId),
        h("span", { class: "muted" }, `${p.from} · ${t("gb_attempts", { n: p.attempts })}`),
        props.manage ? h(ElButton, { type: "primary", onClick: () => openBind(p.deviceId), ...tid("gb-approve") }, () => t("gb_approve")) : null,
      ]))),
    ] : []);

    const dialog = () => h(ElDialog, {
      modelValue: state.binding, "onUpdate:modelValue": (v) => { state.binding = v; },
      title: t("gb_bind"), width: hub.phone ? "94%" : "520px", ...tid("gb-dialog"),
    }, {
      default: () => h(ElForm, { labelPosition: "top" }, () => [
        h(ElFormItem, { label: t("organisation") }, () => h(ElSelect, { ...model(draft, "organisationId"), filterable: true, ...tid("gb-org") },
          () => orgOptions(props.orgs).map(orgOption))),
        h(ElFormItem, { label: t("gb_device_id") }, () => h(ElInput, { ...model(draft, "deviceId"), maxlength: 20, class: "mono", ...tid("gb-device-id") })),
        h(ElFormItem, { label: t("gb_device_name") }, () => h(ElInput, { ...model(draft, "name"), maxlength: 100, ...tid("gb-device-name") })),
        h(ElFormItem, { label: t("gb_device_password") }, () => h(ElInput, {
          ...model(draft, "password"), type: "password", showPassword: true, autocomplete: "new-password", maxlength: 200, ...tid("gb-device-password"),
        })),
        state.error ? h(ElAlert, { type: "error", title: state.error, closable: false, showIcon: true, class: "block" }) : null,
      ]),
      footer: () => [
        h(ElButton, { onClick: () => { state.binding = false; } }, () => t("cancel")),
        h(ElButton, { type: "primary", loading: state.busy, onClick: bind, ...tid("gb-bind") }, () => t("gb_bind")),
      ],
    });

    const platform = () => (state.platform
      ? t("gb_platform_on", { id: state.platform.platformId, domain: state.platform.domain, port: state.platform.sipPort })
      : t("gb_platform_off"));
    return () => h(ElCard, { shadow: "never", class: "block", ...tid("gb-admin") }, {
      header: () => h("div", { class: "card-head" }, [
        h("h3", null, t("gb_title")),
        props.manage ? h(ElButton, { onClick: () => openBind(), ...tid("new-gb-device") }, () => `＋ ${t("gb_bind")}`) : null,
      ]),
      default: () => [
        h("p", { class: "hint", ...tid("gb-platform") }, state.loaded ? platform() : ""),
        h("ul", { class: "gb-list", ...tid("gb-devices") }, state.devices.length ? state.devices.map(deviceItem)
          : [h("li", { class: "muted" }, t("gb_none_yet"))]),
        ...pending(),
        dialog(),
      ],
    });
  },
};
