// A tour (轮巡) on one tile: the operator ticks rooms and cameras of the tree in the order
// they should rotate and a dwell time (at least 5 s); the view PUTs it on the tile.
import { h, inject, reactive } from "vue";
import { ElAlert, ElButton, ElCheckbox, ElDialog, ElInputNumber } from "element-plus";
import { tid } from "../ui.js";
import { MAX_DWELL_S, MIN_DWELL_S, sourceKey, tourBody } from "./command-model.js";

export const CommandTour = {
  name: "CommandTour",
  props: {
    tree: { type: Object, default: null },
    place: { type: Object, required: true }, // {screen, tile}
  },
  emits: ["save", "close"],
  setup(props, { emit }) {
    const { t } = inject("hub");
    const form = reactive({ chosen: [], dwellS: 10, error: "" });

    const choices = () => {
      const out = [];
      for (const org of (props.tree && props.tree.organisations) || []) {
        for (const room of org.rooms) {
          out.push({ source: { kind: "room", roomId: room.id }, text: room.caseTitle || room.name, org: org.name });
        }
        for (const camera of org.cameras) {
          out.push({ source: { kind: "camera", cameraId: camera.id }, text: `${t("cmd_camera")}：${camera.name}`, org: org.name });
        }
      }
      return out;
    };
    const toggle = (source, on) => {
      const key = sourceKey(source);
      form.chosen = form.chosen.filter((s) => sourceKey(s) !== key);
      if (on) form.chosen.push(source);
    };
    const save = () => {
      const made = tourBody(form.chosen, form.dwellS);
      if (made.error) {
        form.error = t(made.error);
        return;
      }
      emit("save", made.body);
    };

    return () => h(ElDialog, {
      modelValue: true, title: t("cmd_tour_title", props.place), width: "min(520px, 94vw)",
      "onUpdate:modelValue": (open) => { if (!open) emit("close"); },
    }, {
      default: () => [
        h("p", { class: "muted" }, t("cmd_tour_help")),
        h("ol", { class: "tour-choices", ...tid("tour-choices") }, choices().map((c) => {
          const at = form.chosen.findIndex((s) => sourceKey(s) === sourceKey(c.source));
          return h("li", null, h(ElCheckbox, {
            modelValue: at >= 0, "onUpdate:modelValue": (on) => toggle(c.source, on), ...tid("tour-item"),
          }, () => [at >= 0 ? h("b", { class: "tour-order" }, `${at + 1}. `) : null, c.text,
            h("span", { class: "tree-meta" }, ` · ${c.org}`)]));
        })),
        h("label", { class: "tour-dwell" }, [
          t("cmd_dwell"),
          h(ElInputNumber, {
            modelValue: form.dwellS, min: MIN_DWELL_S, max: MAX_DWELL_S, step: 5, ...tid("tour-dwell"),
            "onUpdate:modelValue": (v) => { form.dwellS = v; },
          }),
        ]),
        form.error ? h(ElAlert, { type: "error", title: form.error, closable: false, showIcon: true }) : null,
      ],
      footer: () => [
        h(ElButton, { onClick: () => emit("close") }, () => t("cancel")),
        h(ElButton, { type: "primary", onClick: save, ...tid("tour-save") }, () => t("cmd_tour_start")),
      ],
    });
  },
};
