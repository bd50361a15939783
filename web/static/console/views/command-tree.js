// The operator console's live tree (left): organisations of the operator's subtree ->
// case rooms (state, severity, 录制中, who is in) -> participants, and each
// organisation's registry cameras. Every room, participant and camera can be dragged
// onto a tile (HTML5 drag and drop) or, on a touch screen, tapped to select it and then
// a tile tapped (the view does the rest).
import { h, inject } from "vue";
import { ElEmpty, ElTag } from "element-plus";
import { severity, tid } from "../ui.js";
import { DRAG_TYPE, sourceKey } from "./command-model.js";

function draggable(props, source, selected, onPick) {
  const key = sourceKey(source);
  return {
    ...props,
    draggable: "true",
    role: "button",
    tabindex: 0,
    "aria-pressed": selected === key ? "true" : "false",
    class: [props.class, "tree-item", selected === key ? "picked" : ""],
    onDragstart: (event) => {
      event.dataTransfer.setData(DRAG_TYPE, JSON.stringify(source));
      event.dataTransfer.setData("text/plain", key);
      event.dataTransfer.effectAllowed = "copy";
    },
    onClick: (event) => {
      event.stopPropagation();
      onPick(selected === key ? null : source);
    },
    onKeydown: (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        onPick(selected === key ? null : source);
      }
    },
  };
}

export const CommandTree = {
  name: "CommandTree",
  props: {
    tree: { type: Object, default: null },
    selected: { type: String, default: "" }, // the key of the picked source
  },
  emits: ["pick"],
  setup(props, { emit }) {
    const { t } = inject("hub");
    const pick = (source) => emit("pick", source);

    const participant = (room, p) => h("li", draggable({
      class: "tree-participant", ...tid("tree-participant"), "data-room-id": room.id, "data-participant-id": p.id,
    }, { kind: "participant", roomId: room.id, participantId: p.id }, props.selected, pick), [
      h("span", { class: "tree-name" }, p.name),
      h("span", { class: "tree-meta" }, `${t(p.role)}${p.media && p.media.includes("video") ? ` · ${t("cmd_video")}` : ""}${p.connected ? "" : ` · ${t("cmd_offline")}`}`),
    ]);

    const room = (r) => h("li", { class: "tree-room-row" }, [
      h("div", draggable({ class: ["tree-room", r.live ? "live" : ""], ...tid("tree-room"), "data-room-id": r.id },
        { kind: "room", roomId: r.id }, props.selected, pick), [
        r.severity ? severity(t, r.severity) : null,
        h("span", { class: "tree-name" }, r.caseTitle || r.name),
        h(ElTag, { size: "small", type: r.live ? "danger" : "info", disableTransitions: true },
          () => (r.live ? t("cmd_live") : t(r.state))),
        r.recording ? h("span", { class: "rec-badge", ...tid("tree-recording") }, t("cmd_recording")) : null,
        h("span", { class: "tree-meta" }, t("cmd_people", { n: (r.participants || []).length })),
      ]),
      (r.participants || []).length
        ? h("ul", { class: "tree-people" }, r.participants.map((p) => participant(r, p))) : null,
    ]);

    const camera = (c) => h("li", draggable({
      class: "tree-camera", ...tid("tree-camera"), "data-camera-id": c.id,
    }, { kind: "camera", cameraId: c.id }, props.selected, pick), [
      h("span", { class: "tree-name" }, `${t("cmd_camera")}：${c.name}`),
      h("span", { class: "tree-meta" }, [c.location, t(`camera_state_${c.state}`)].filter(Boolean).join(" · ")),
    ]);

    return () => {
      const tree = props.tree;
      if (!tree) return h("div", { class: "command-tree", ...tid("command-tree") }, t("loading"));
      const orgs = tree.organisations || [];
      const groups = orgs.map((org) => h("section", { class: "tree-org", "data-org-id": org.id }, [
        h("h3", { class: "tree-org-name" }, org.name),
        org.rooms.length ? h("ul", { class: "tree-rooms" }, org.rooms.map((r) => room(r))) : null,
        org.cameras.length ? h("ul", { class: "tree-cameras" }, org.cameras.map((c) => camera(c))) : null,
      ]));
      if ((tree.unowned || []).length) {
        groups.push(h("section", { class: "tree-org" }, [
          h("h3", { class: "tree-org-name" }, t("cmd_unowned")),
          h("ul", { class: "tree-rooms" }, tree.unowned.map((r) => room(r))),
        ]));
      }
      const empty = !orgs.some((o) => o.rooms.length || o.cameras.length) && !(tree.unowned || []).length;
      return h("div", { class: "command-tree", ...tid("command-tree") },
        empty ? [h(ElEmpty, { description: t("cmd_tree_empty"), imageSize: 60 })] : groups);
    };
  },
};
