// The chosen wall's screens (centre of the operator console): each screen a miniature
// grid of its stored layout, each tile with its label (case title, organisation,
// severity colour, participants, 录制中, tour). A tree item dropped on a tile (or a
// picked item and a tap on the tile) puts it there; per tile: enlarge, clear, swap or
// move (pick two tiles), a tour and its pause/resume; a layout per screen. The view
// (command.js) makes the calls; this component only says what the operator did.
import { h, inject } from "vue";
import { ElButton, ElOption, ElSelect, ElTag } from "element-plus";
import { tid } from "../ui.js";
import { DRAG_TYPE, LAYOUTS, cellStyle, decodeDrag, tileLabel } from "./command-model.js";

export const CommandWall = {
  name: "CommandWall",
  props: {
    wall: { type: Object, required: true },
    index: { type: Object, required: true }, // indexTree(tree)
    picking: { type: Boolean, default: false }, // a tree item is selected: a tap on a tile puts it
    swapFrom: { type: Object, default: null }, // {screen, tile} picked first for a swap
    manage: { type: Boolean, default: false },
  },
  emits: ["put", "tap", "clear", "enlarge", "swap", "tour", "tour-control", "layout"],
  setup(props, { emit }) {
    const { t } = inject("hub");

    const label = (view) => {
      if (!view) return [h("div", { class: "tile-empty" }, props.manage ? t("cmd_drop_here") : t("cmd_empty_tile"))];
      if (view.kind === "tour") {
        const first = view.items.find((x) => x && x.title);
        return [
          h("div", { class: "tile-title" }, `${t("cmd_tour")} · ${t("cmd_steps", { n: view.steps })}`),
          h("div", { class: "tile-meta" }, [
            `${view.dwellS} s`,
            first ? ` · ${first.title}` : "",
            view.paused ? ` · ${t("cmd_paused")}` : "",
          ].join("")),
        ];
      }
      if (view.missing) return [h("div", { class: "tile-title" }, t("cmd_not_live"))];
      return [
        h("div", { class: "tile-title" }, [
          view.severity ? h("i", { class: `dot ${view.severity}` }) : null,
          view.kind === "camera" ? `${t("cmd_camera")}：${view.title}` : view.title,
        ]),
        h("div", { class: "tile-meta" }, [
          view.org,
          view.person ? view.person : null,
          view.kind === "camera" ? t(`camera_state_${view.state}`) : t("cmd_people", { n: view.people }),
        ].filter(Boolean).join(" · ")),
        view.recording ? h("span", { class: "rec-badge" }, t("cmd_recording")) : null,
      ];
    };

    const tileButtons = (screen, number, content) => {
      if (!props.manage) return null;
      const swapping = props.swapFrom && props.swapFrom.screen === screen.number && props.swapFrom.tile === number;
      const tour = content && content.kind === "tour";
      const paused = tour && content.pausedAt !== null && content.pausedAt !== undefined;
      const stop = (fn) => (event) => { event.stopPropagation(); fn(); };
      const small = { size: "small", text: true, bg: true };
      return h("div", { class: "tile-buttons" }, [
        content ? h(ElButton, {
          ...small, type: screen.enlarged === number ? "primary" : "", ...tid("tile-enlarge"),
          onClick: stop(() => emit("enlarge", screen.number, screen.enlarged === number ? null : number)),
        }, () => (screen.enlarged === number ? t("cmd_shrink") : t("cmd_enlarge"))) : null,
        h(ElButton, {
          ...small, type: swapping ? "warning" : "", ...tid("tile-swap"),
          onClick: stop(() => emit("swap", screen.number, number)),
        }, () => (swapping ? t("cmd_swap_cancel") : t("cmd_swap"))),
        h(ElButton, { ...small, ...tid("tile-tour"), onClick: stop(() => emit("tour", screen.number, number)) },
          () => t("cmd_tour")),
        tour ? h(ElButton, {
          ...small, ...tid("tile-tour-pause"),
          onClick: stop(() => emit("tour-control", screen.number, number, paused ? "resume" : "pause")),
        }, () => (paused ? t("cmd_resume") : t("cmd_pause"))) : null,
        content ? h(ElButton, {
          ...small, type: "danger", ...tid("tile-clear"), onClick: stop(() => emit("clear", screen.number, number)),
        }, () => t("cmd_clear")) : null,
      ]);
    };

    const tile = (screen, cell, i) => {
      const number = i + 1;
      const content = screen.tiles[String(number)] || null;
      const view = tileLabel(content, props.index);
      const swapping = props.swapFrom && props.swapFrom.screen === screen.number && props.swapFrom.tile === number;
      const hidden = screen.enlarged !== null && screen.enlarged !== undefined && screen.enlarged !== number;
      return h("div", {
        class: ["command-tile", view && view.severity ? `sev-${view.severity}` : "", content ? "full" : "empty",
          screen.enlarged === number ? "enlarged" : "", hidden ? "under" : "", swapping ? "swapping" : "",
          props.picking || props.swapFrom ? "target" : ""],
        style: cellStyle(cell),
        ...tid("command-tile"),
        "data-screen": screen.number,
        "data-tile": number,
        "data-kind": content ? content.kind : "",
        onDragover: (event) => {
          if (!props.manage) return;
          event.preventDefault();
          event.dataTransfer.dropEffect = "copy";
          event.currentTarget.classList.add("over");
        },
        onDragleave: (event) => event.currentTarget.classList.remove("over"),
        onDrop: (event) => {
          event.preventDefault();
          event.currentTarget.classList.remove("over");
          const source = decodeDrag(event.dataTransfer.getData(DRAG_TYPE));
          if (source && props.manage) emit("put", screen.number, number, source);
        },
        onClick: () => emit("tap", screen.number, number),
      }, [
        h("span", { class: "tile-number" }, String(number)),
        h("div", { class: "tile-label" }, label(view)),
        tileButtons(screen, number, content),
      ]);
    };

    const screenCard = (screen) => {
      const layout = screen.layout;
      const tour = screen.tiles.tour;
      return h("section", { class: "command-screen", ...tid("command-screen"), "data-screen": screen.number }, [
        h("header", { class: "screen-head" }, [
          h("strong", null, t("cmd_screen_n", { n: screen.number })),
          tour ? h(ElTag, { size: "small", type: "warning", disableTransitions: true }, () => t("cmd_screen_tour")) : null,
          h(ElSelect, {
            class: "layout-select", modelValue: layout.spec, disabled: !props.manage,
            "aria-label": t("cmd_layout"), ...tid("screen-layout"),
            "onUpdate:modelValue": (spec) => emit("layout", screen.number, spec),
          }, () => [...new Set([...LAYOUTS, layout.spec])].map((spec) => h(ElOption, {
            value: spec, label: t("cmd_layout_named", { spec }),
          }))),
          h("a", { class: "screen-open", href: `/wall/${props.wall.id}/screen/${screen.number}`, target: "_blank",
            rel: "noopener" }, t("cmd_open_screen")),
        ]),
        h("div", {
          class: "screen-grid",
          style: { gridTemplateRows: `repeat(${layout.rows}, 1fr)`, gridTemplateColumns: `repeat(${layout.cols}, 1fr)` },
        }, layout.cells.map((cell, i) => tile(screen, cell, i))),
      ]);
    };

    return () => h("div", { class: "command-wall", "data-wall-id": props.wall.id },
      props.wall.screens.map(screenCard));
  },
};
