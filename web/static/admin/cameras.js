// The admin page's cameras: the registry of the subtree (RTSP cameras and GB/T 28181
// channels), GB/T 28181 devices bound to organisations (and those waiting to be), a
// device's catalogue as a tree. Credentials go in and never come back (the API says only
// whether a camera has some).
import { byId as $, el } from "../lib/dom.js";

/**
 * @param api   lib/api.js client
 * @param t     the page's translator
 * @param fail  show an error
 */
export function createCameraAdmin({ api, t, fail }) {
  let orgs = [];
  const orgName = (id) => orgs.find((o) => o.id === id)?.name || "";

  async function showCameras() {
    const cameras = await api.get("/cameras");
    $("cameras").replaceChildren(...cameras.map((c) => el("tr", { dataset: { cameraId: c.id } },
      el("td", { text: c.name }),
      el("td", { text: orgName(c.organisationId) }),
      el("td", { text: c.location }),
      el("td", { className: "mono", text: c.source === "rtsp" ? c.rtspUrl : `GB ${c.gbDeviceId} / ${c.gbChannelId}` }),
      el("td", { text: c.hasCredentials ? t("camera_has_credentials") : "" }),
      el("td", { className: `state s-${c.state}`, dataset: { testid: "camera-state" }, text: t(`camera_state_${c.state}`), title: c.stateDetail || "" }),
      el("td", { text: c.lastFrameAt ? new Date(c.lastFrameAt).toLocaleString() : "-" }),
      el("td", {}, el("button", {
        className: "link", text: t("camera_delete"), dataset: { testid: "camera-delete" },
        onclick: () => remove(c),
      })))));
    $("cameras-empty").hidden = cameras.length > 0;
  }

  async function remove(camera) {
    if (!confirm(t("camera_delete_confirm", { name: camera.name }))) return;
    try {
      await api.del(`/cameras/${encodeURIComponent(camera.id)}`);
      await showCameras();
    } catch (err) {
      fail(err);
    }
  }

  async function showDevices() {
    const answer = await api.get("/gb-devices");
    const platform = answer.platform;
    $("gb-platform").textContent = platform
      ? t("gb_platform_on", { id: platform.platformId, domain: platform.domain, port: platform.sipPort })
      : t("gb_platform_off");
    $("gb-devices").replaceChildren(...answer.devices.map((d) => {
      const li = el("li", { dataset: { deviceId: d.deviceId } },
        el("span", { className: "who", text: `${d.name} · ${d.deviceId}` }),
        el("span", { text: ` ${orgName(d.organisationId)} · ${t(`gb_state_${d.live.state}`)}` }),
        d.live.channels ? el("span", { text: ` · ${t("gb_channels", { n: d.live.channels })}` }) : "",
        " ",
        el("button", { className: "link", text: t("gb_tree"), dataset: { testid: "gb-tree" }, onclick: () => tree(d, null, li) }),
        " ",
        el("button", { className: "link", text: t("gb_unbind"), onclick: () => unbind(d) }));
      return li;
    }));
    $("gb-pending").replaceChildren(...answer.pending.map((p) => el("li", {},
      el("span", { text: `${p.deviceId}（${p.from}，${t("gb_attempts", { n: p.attempts })}）` }), " ",
      el("button", {
        className: "link", text: t("gb_approve"), dataset: { testid: "gb-approve" },
        onclick: () => { $("new-device").elements.deviceId.value = p.deviceId; $("new-device").elements.name.focus(); },
      }))));
    $("gb-pending-title").hidden = answer.pending.length === 0;
  }

  async function unbind(device) {
    try {
      await api.del(`/gb-devices/${encodeURIComponent(device.deviceId)}`);
      await showDevices();
    } catch (err) {
      fail(err);
    }
  }

  /** One level of a device's catalogue under `parent`, below `where`; again: fold. */
  async function tree(device, parent, where) {
    const open = where.querySelector(":scope > ul");
    if (open) return open.remove();
    const query = parent ? `?parent=${encodeURIComponent(parent)}` : "";
    const level = await api.get(`/gb-devices/${encodeURIComponent(device.deviceId)}/channels${query}`);
    const list = el("ul", { className: "tree" }, ...level.nodes.map((n) => {
      const li = el("li", { dataset: { channelId: n.channelId } },
        el("span", { text: `${n.name || n.channelId}${n.online ? "" : `（${t("gb_offline")}）`}` }), " ");
      if (n.hasChildren) li.append(el("button", { className: "link", text: t("gb_open"), onclick: () => tree(device, n.channelId, li) }));
      if (n.kind === "camera") {
        li.append(n.cameraId
          ? el("span", { className: "hint", text: t("gb_in_registry") })
          : el("button", { className: "link", text: t("gb_add_camera"), dataset: { testid: "gb-add-camera" }, onclick: () => addChannel(device, n) }));
      }
      return li;
    }));
    if (!level.nodes.length) list.append(el("li", { className: "hint", text: t("gb_no_channels") }));
    where.append(list);
  }

  async function addChannel(device, node) {
    try {
      await api.post("/cameras", {
        organisationId: device.organisationId, name: node.name || node.channelId, location: node.address || "",
        gbDeviceId: device.deviceId, gbChannelId: node.channelId,
      });
      await showCameras();
      await showDevices();
    } catch (err) {
      fail(err);
    }
  }

  function submit(form, run) {
    $(form).addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = Object.fromEntries([...new FormData(event.target)].filter(([, v]) => v !== ""));
      try {
        await run(data);
        event.target.reset();
        $("error").hidden = true;
      } catch (err) {
        fail(err);
      }
    });
  }

  submit("new-camera", async (data) => {
    await api.post("/cameras", data);
    await showCameras();
  });
  submit("new-device", async (data) => {
    await api.post("/gb-devices", data);
    await showDevices();
  });

  return {
    async load(organisations) {
      orgs = organisations;
      for (const select of document.querySelectorAll("#new-camera [name=organisationId], #new-device [name=organisationId]")) {
        select.replaceChildren(...orgs.map((o) => new Option(o.name, o.id)));
      }
      await Promise.all([showCameras(), showDevices()]);
    },
  };
}
