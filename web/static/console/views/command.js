// The operator console (/command, wall.view): the live tree of my subtree on the left
// (views/command-tree.js), the chosen wall's screens in the centre
// (views/command-wall.js), alarms, listen-in, barge-in and calls on the right
// (views/command-side.js); on a phone the three are tabs.
//
// Live: the console watches the wall on the /wall namespace and reloads it on
// `wall-changed` (another operator's change, the command line, an alarm rule), reloads
// the alarms on `alarm`, follows its calls on `call-changed`; the tree is asked again
// every TREE_REFRESH_MS (who is in a room is not announced to operators) and after
// each of those events.
import { io } from "/vendor/socket.io.esm.min.js";
import { computed, h, inject, onBeforeUnmount, onMounted, reactive } from "vue";
import { ElButton, ElMessageBox, ElOption, ElSelect, ElTabPane, ElTabs } from "element-plus";
import { RoomSignaling } from "../../lib/signaling.js";
import { staffToken } from "../../lib/session.js";
import { tid } from "../ui.js";
import { indexTree, sourceKey } from "./command-model.js";
import { CommandSide } from "./command-side.js";
import { CommandTour } from "./command-tour.js";
import { CommandTree } from "./command-tree.js";
import { CommandWall } from "./command-wall.js";

export const TREE_REFRESH_MS = 3000;

export const CommandView = {
  name: "CommandView",
  setup() {
    const hub = inject("hub");
    const { t } = hub;
    const state = reactive({
      walls: [], wallId: "", wall: null, tree: null, alarms: [], picked: null, swapFrom: null,
      tab: "wall", tour: null, preset: "", socket: "connecting",
    });
    const index = computed(() => indexTree(state.tree));
    const manage = computed(() => hub.may("wall.manage"));
    const log = []; // [what, Date.now()]: the browser tests read when a change came back
    const note = (what) => {
      log.push([what, Date.now()]);
      if (log.length > 200) log.shift();
    };

    const loadTree = async () => {
      try {
        state.tree = await hub.api.get("/command/tree");
      } catch (err) {
        if (!state.tree) hub.fail(err);
      }
    };
    const loadAlarms = async () => {
      if (!hub.may("alarm.view")) return;
      try {
        state.alarms = await hub.api.get("/alarms");
      } catch (err) {
        hub.fail(err);
      }
    };
    const loadWall = async () => {
      if (!state.wallId) {
        state.wall = null;
        return;
      }
      const wall = await hub.api.get(`/walls/${encodeURIComponent(state.wallId)}`);
      if (wall.id === state.wallId && (!state.wall || state.wall.id !== wall.id || wall.version >= state.wall.version)) {
        state.wall = wall;
        note(`wall:${wall.version}`);
      }
    };

    // -- the /wall socket: this wall's changes, alarms, calls --------------------------
    const signaling = new RoomSignaling((options) => io("/wall", options), staffToken());
    let watching = "";
    const watch = async () => {
      if (!signaling.connected) return;
      if (watching && watching !== state.wallId) await signaling.request("unwatch", { wall: watching });
      watching = state.wallId;
      if (watching) {
        const ack = await signaling.request("watch", { wall: watching });
        if (!ack.ok) hub.fail(ack.error);
      }
    };
    const side = reactive({ call: null });
    signaling
      .on("connect", () => {
        state.socket = "on";
        watch();
        loadWall().catch(hub.fail); // changes missed while away
      })
      .on("disconnect", () => { state.socket = "off"; })
      .on("connect_error", () => { state.socket = "off"; })
      .on("wall-changed", (event) => {
        note(`changed:${event.version}`);
        if (event.wall === state.wallId && (!state.wall || event.version > state.wall.version)) {
          loadWall().catch(hub.fail);
        }
      })
      .on("alarm", () => { loadAlarms(); loadTree(); })
      .on("call-changed", (call) => {
        if (side.call && side.call.id === call.id) side.call = { ...side.call, ...call };
      });

    let timer = null;
    onMounted(async () => {
      signaling.connect();
      timer = setInterval(loadTree, TREE_REFRESH_MS);
      try {
        const [walls] = await Promise.all([hub.api.get("/walls"), loadTree(), loadAlarms()]);
        state.walls = walls;
        const wanted = new URLSearchParams(location.search).get("wall");
        state.wallId = (walls.find((w) => w.id === wanted) || walls[0] || {}).id || "";
        await loadWall();
        await watch();
      } catch (err) {
        hub.fail(err);
      }
    });
    onBeforeUnmount(() => {
      clearInterval(timer);
      signaling.disconnect();
    });
    window.command = { state, side, log, index }; // the browser tests and diagnostics

    const chooseWall = async (id) => {
      state.wallId = id;
      state.swapFrom = null;
      history.replaceState(null, "", `/command?wall=${encodeURIComponent(id)}`);
      try {
        await loadWall();
        await watch();
      } catch (err) {
        hub.fail(err);
      }
    };

    // -- changes: the server's answer is the new screen; the socket brings the rest --------
    const base = () => `/walls/${encodeURIComponent(state.wallId)}`;
    const change = async (work, done) => {
      try {
        await work();
        if (done) hub.done(done);
        await loadWall();
      } catch (err) {
        hub.fail(err);
      }
    };
    const put = (screen, tile, source) => {
      note(`put:${screen}/${tile}`);
      state.picked = null;
      return change(() => hub.api.put(`${base()}/screens/${screen}/tiles/${tile}`, source));
    };
    const swap = (screen, tile) => {
      const from = state.swapFrom;
      if (!from) {
        state.swapFrom = { screen, tile };
        return null;
      }
      state.swapFrom = null;
      if (from.screen === screen && from.tile === tile) return null;
      return change(() => hub.api.post(`${base()}/swap`, { from, to: { screen, tile } }));
    };
    const tap = (screen, tile) => {
      if (!manage.value) return null;
      if (state.swapFrom) return swap(screen, tile);
      if (state.picked) return put(screen, tile, state.picked);
      return null;
    };
    const actions = {
      onPut: put,
      onTap: tap,
      onSwap: swap,
      onClear: (screen, tile) => change(() => hub.api.del(`${base()}/screens/${screen}/tiles/${tile}`)),
      onEnlarge: (screen, tile) => change(() => hub.api.put(`${base()}/screens/${screen}/enlarged`, { tile })),
      onLayout: (screen, layout) => change(() => hub.api.put(`${base()}/screens/${screen}/layout`, { layout })),
      onTour: (screen, tile) => { state.tour = { screen, tile }; },
      "onTour-control": (screen, tile, action) =>
        change(() => hub.api.post(`${base()}/screens/${screen}/tour-control`, { action, tile })),
    };
    const saveTour = (body) => {
      const { screen, tile } = state.tour;
      state.tour = null;
      return change(() => hub.api.put(`${base()}/screens/${screen}/tiles/${tile}`, body), t("cmd_tour_saved"));
    };

    // -- presets -----------------------------------------------------------------------
    const savePreset = async () => {
      let name;
      try {
        ({ value: name } = await ElMessageBox.prompt(t("cmd_preset_name"), t("cmd_preset_save"), {
          confirmButtonText: t("save"), cancelButtonText: t("cancel"),
          inputValidator: (v) => Boolean(v && v.trim()) || t("cmd_preset_name"),
        }));
      } catch {
        return;
      }
      await change(() => hub.api.post(`${base()}/presets`, { name: name.trim() }), t("cmd_preset_saved"));
    };
    const preset = () => (state.wall ? state.wall.presets.find((p) => p.id === state.preset) : null);
    const applyPreset = () => preset() && change(() => hub.api.post(`${base()}/presets/${state.preset}/apply`), t("cmd_preset_applied"));
    const deletePreset = () => preset() && change(async () => {
      await hub.api.del(`${base()}/presets/${state.preset}`);
      state.preset = "";
    });

    // -- layout --------------------------------------------------------------------------
    const toolbar = () => h("div", { class: "command-toolbar" }, [
      h(ElSelect, {
        class: "wall-select", modelValue: state.wallId, placeholder: t("cmd_choose_wall"), ...tid("wall-select"),
        "onUpdate:modelValue": chooseWall,
      }, () => state.walls.map((w) => h(ElOption, { value: w.id, label: w.name }))),
      h("span", { class: ["socket-state", state.socket], title: t(`cmd_socket_${state.socket}`) },
        t(`cmd_socket_${state.socket}`)),
      state.wall && manage.value ? h("span", { class: "presets" }, [
        h(ElSelect, {
          class: "preset-select", modelValue: state.preset, placeholder: t("cmd_presets"), clearable: true,
          ...tid("preset-select"), "onUpdate:modelValue": (v) => { state.preset = v || ""; },
        }, () => state.wall.presets.map((p) => h(ElOption, { value: p.id, label: p.name }))),
        h(ElButton, { disabled: !state.preset, onClick: applyPreset, ...tid("preset-apply") }, () => t("cmd_preset_apply")),
        h(ElButton, { disabled: !state.preset, onClick: deletePreset, ...tid("preset-delete") }, () => t("cmd_delete")),
        h(ElButton, { type: "primary", onClick: savePreset, ...tid("preset-save") }, () => t("cmd_preset_save")),
      ]) : null,
    ]);

    const hint = () => {
      if (state.swapFrom) return t("cmd_hint_swap", { screen: state.swapFrom.screen, tile: state.swapFrom.tile });
      if (state.picked) return t("cmd_hint_put");
      return manage.value ? t("cmd_hint_drag") : t("cmd_view_only");
    };

    const centre = () => h("div", { class: "command-centre" }, [
      toolbar(),
      h("p", { class: "command-hint", role: "status" }, hint()),
      state.wall
        ? h(CommandWall, { wall: state.wall, index: index.value, picking: Boolean(state.picked),
          swapFrom: state.swapFrom, manage: manage.value, ...actions })
        : h("p", { class: "muted" }, state.walls.length ? t("loading") : t("cmd_no_walls")),
    ]);
    const tree = () => h(CommandTree, {
      tree: state.tree, selected: state.picked ? sourceKey(state.picked) : "",
      onPick: (source) => { state.picked = source; state.swapFrom = null; },
    });
    const right = () => h(CommandSide, {
      alarms: state.alarms, wall: state.wall,
      organisations: state.tree ? state.tree.organisations : [], index: index.value, picked: state.picked, side,
      onAcked: () => loadAlarms(), onChanged: () => loadWall().catch(hub.fail),
    });
    const tourDialog = () => (state.tour ? h(CommandTour, {
      tree: state.tree, place: state.tour, onSave: saveTour, onClose: () => { state.tour = null; },
    }) : null);

    return () => {
      if (hub.phone) {
        return h("div", { class: "command phone" }, [
          h(ElTabs, { modelValue: state.tab, "onUpdate:modelValue": (v) => { state.tab = v; }, stretch: true }, () => [
            h(ElTabPane, { name: "tree", label: t("cmd_tab_tree") }, () => tree()),
            h(ElTabPane, { name: "wall", label: t("cmd_tab_wall") }, () => centre()),
            h(ElTabPane, { name: "side", label: t("cmd_tab_side", { n: state.alarms.length }) }, () => right()),
          ]),
          tourDialog(),
        ]);
      }
      return h("div", { class: "command" }, [
        h("aside", { class: "command-left" }, [h("h2", { class: "pane-title" }, t("cmd_tree")), tree()]),
        centre(),
        h("aside", { class: "command-right" }, right()),
        tourDialog(),
      ]);
    };
  },
};
