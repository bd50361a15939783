// The operator console's right-hand side: open alarms of my subtree (severity colours,
// acknowledge), the wall's alarm rule, listen-in and barge-in on one room
// (web/static/command/intercom.js), and calls: roll-call one office or a meeting of
// several (POST /calls) with the call's state (ringing, answered by whom, ended).
import { io } from "/vendor/socket.io.esm.min.js";
import { computed, h, inject, onBeforeUnmount, reactive } from "vue";
import { ElButton, ElCard, ElInputNumber, ElOption, ElSelect, ElTag } from "element-plus";
import { Listener, BargeIn } from "../../command/intercom.js";
import { staffToken } from "../../lib/session.js";
import { tid, when } from "../ui.js";

const LEVELS = ["green", "yellow", "orange", "red"];

export const CommandSide = {
  name: "CommandSide",
  props: {
    alarms: { type: Array, default: () => [] },
    wall: { type: Object, default: null },
    index: { type: Object, required: true },
    picked: { type: Object, default: null },
    organisations: { type: Array, default: () => [] }, // of the live tree: the offices one may call
    side: { type: Object, required: true }, // {call}: the call this console started (kept live by the view)
  },
  emits: ["acked", "changed"],
  setup(props, { emit }) {
    const hub = inject("hub");
    const { t } = hub;
    const state = reactive({
      roomId: "", listening: "", talking: "", busy: "", offices: [], rule: null, ruleOpen: false,
    });
    let listener = null;
    let barge = null;

    const liveRooms = computed(() => [...props.index.rooms.values()].filter((x) => x.room.state !== "ended"));
    const target = computed(() => (props.picked && props.picked.roomId) || state.roomId);
    const roomTitle = (id) => {
      const found = props.index.rooms.get(id);
      return found ? found.room.caseTitle || found.room.name : t("cmd_not_live");
    };
    const run = async (what, work) => {
      state.busy = what;
      try {
        await work();
      } catch (err) {
        hub.fail(err);
      } finally {
        state.busy = "";
      }
    };

    // -- alarms --------------------------------------------------------------------------
    const ack = (alarm) => run(`ack:${alarm.id}`, async () => {
      await hub.api.post(`/alarms/${encodeURIComponent(alarm.id)}/ack`);
      hub.done(t("cmd_alarm_acked"));
      emit("acked", alarm);
    });
    const alarmList = () => h(ElCard, { class: "side-card", shadow: "never" }, {
      header: () => h("strong", null, t("cmd_alarms_n", { n: props.alarms.length })),
      default: () => (props.alarms.length ? h("ul", { class: "alarm-list", ...tid("alarm-list") }, props.alarms.map((a) =>
        h("li", { class: ["alarm", `level-${a.level}`], ...tid("alarm"), "data-alarm-id": a.id, "data-room-id": a.roomId || "" }, [
          h("div", { class: "alarm-head" }, [
            h("i", { class: `dot ${a.level}` }),
            h("strong", null, t(`alarm_${a.kind}`)),
            h(ElTag, { size: "small", disableTransitions: true, type: a.ackedAt ? "info" : "danger" },
              () => (a.ackedAt ? t("cmd_acked") : t(a.level))),
          ]),
          h("div", { class: "tree-meta" }, [a.roomId ? roomTitle(a.roomId) : "", when(a.raisedAt)].filter(Boolean).join(" · ")),
          a.ackedAt || !hub.may("alarm.ack") ? null : h(ElButton, {
            type: "primary", plain: true, loading: state.busy === `ack:${a.id}`, onClick: () => ack(a),
            ...tid("alarm-ack"),
          }, () => t("cmd_ack")),
        ]))) : h("p", { class: "muted" }, t("cmd_no_alarms"))),
    });

    // -- the wall's alarm rule -------------------------------------------------------------
    const ruleForm = () => {
      const wall = props.wall;
      if (!wall || !hub.may("wall.manage")) return null;
      const rule = state.rule || wall.alarmRule || { screen: 1, tile: 1, minLevel: "orange" };
      const set = (key, value) => { state.rule = { ...rule, [key]: value }; };
      const save = (value) => run("rule", async () => {
        await hub.api.put(`/walls/${encodeURIComponent(wall.id)}/alarm-rule`, { rule: value });
        state.rule = null;
        hub.done(t("cmd_rule_saved"));
        emit("changed");
      });
      return h(ElCard, { class: "side-card", shadow: "never" }, {
        header: () => h("strong", null, t("cmd_alarm_rule")),
        default: () => [
          h("p", { class: "tree-meta" }, wall.alarmRule
            ? t("cmd_rule_now", { screen: wall.alarmRule.screen, tile: wall.alarmRule.tile, level: t(wall.alarmRule.minLevel) })
            : t("cmd_rule_none")),
          h("div", { class: "rule-row" }, [
            h(ElSelect, { modelValue: rule.screen, "aria-label": t("cmd_screen"), class: "rule-screen",
              "onUpdate:modelValue": (v) => set("screen", v) },
            () => wall.screens.map((s) => h(ElOption, { value: s.number, label: t("cmd_screen_n", { n: s.number }) }))),
            h(ElInputNumber, { min: 1, max: 99, modelValue: rule.tile, "aria-label": t("cmd_tile"),
              class: "rule-tile", "onUpdate:modelValue": (v) => set("tile", v) }),
            h(ElSelect, { modelValue: rule.minLevel, "aria-label": t("cmd_min_level"), class: "rule-level",
              "onUpdate:modelValue": (v) => set("minLevel", v) },
            () => LEVELS.map((level) => h(ElOption, { value: level, label: t("cmd_level_up", { level: t(level) }) }))),
          ]),
          h("div", { class: "button-row" }, [
            h(ElButton, { type: "primary", loading: state.busy === "rule", onClick: () => save(rule),
              ...tid("alarm-rule-save") }, () => t("save")),
            wall.alarmRule ? h(ElButton, { onClick: () => save(null) }, () => t("cmd_rule_clear")) : null,
          ]),
        ],
      });
    };

    // -- listen-in and barge-in -------------------------------------------------------------
    const listen = () => run("listen", async () => {
      const room = target.value;
      if (!listener) {
        listener = new Listener(io, staffToken());
        await listener.connect();
      }
      const answer = await listener.listen(room);
      if (!answer.ok) throw answer.error;
      state.listening = room;
    });
    const stopListening = () => run("listen-stop", async () => {
      if (listener) await listener.stop();
      state.listening = "";
    });
    const talk = () => run("barge", async () => {
      const room = target.value;
      if (!barge) barge = new BargeIn(io, hub.api);
      const answer = await barge.start(room);
      if (answer && answer.ok === false) throw answer.error;
      state.talking = room;
    });
    const stopTalking = () => run("barge-stop", async () => {
      if (barge) await barge.stop();
      state.talking = "";
    });
    onBeforeUnmount(() => {
      if (listener) listener.close();
      if (barge) barge.stop();
    });

    const intercom = () => h(ElCard, { class: "side-card", shadow: "never" }, {
      header: () => h("strong", null, t("cmd_intercom")),
      default: () => [
        h(ElSelect, {
          class: "tool-room", modelValue: target.value || "", placeholder: t("cmd_choose_room"), filterable: true,
          ...tid("tool-room"), "onUpdate:modelValue": (v) => { state.roomId = v; },
        }, () => liveRooms.value.map(({ room, org }) => h(ElOption, {
          value: room.id, label: `${room.caseTitle || room.name}${org ? ` · ${org.name}` : ""}`,
        }))),
        state.listening ? h("p", { class: "on-air listening", role: "status", ...tid("listening") },
          `${t("cmd_listening")} · ${roomTitle(state.listening)}`) : null,
        state.talking ? h("p", { class: "on-air talking", role: "status", ...tid("talking") },
          `${t("cmd_talking")} · ${roomTitle(state.talking)}`) : null,
        h("div", { class: "button-row" }, [
          !hub.may("room.listen") ? null : state.listening
            ? h(ElButton, { type: "warning", loading: state.busy === "listen-stop", onClick: stopListening, ...tid("listen-stop") },
              () => t("cmd_listen_stop"))
            : h(ElButton, { disabled: !target.value, loading: state.busy === "listen", onClick: listen, ...tid("listen") },
              () => t("cmd_listen")),
          !hub.may("room.barge") ? null : state.talking
            ? h(ElButton, { type: "danger", loading: state.busy === "barge-stop", onClick: stopTalking, ...tid("barge-stop") },
              () => t("cmd_barge_stop"))
            : h(ElButton, { disabled: !target.value, loading: state.busy === "barge", onClick: talk, ...tid("barge") },
              () => t("cmd_barge")),
        ]),
      ],
    });

    // -- roll-call and meetings -------------------------------------------------------------
    const call = (kind) => run(kind, async () => {
      const ids = kind === "roll-call" ? state.offices.slice(0, 1) : state.offices;
      const started = await hub.api.post("/calls", { kind, organisationIds: ids });
      props.side.call = started;
      hub.done(t("cmd_call_started"));
    });
    const endCall = () => run("end-call", async () => {
      const ended = await hub.api.post(`/calls/${encodeURIComponent(props.side.call.id)}/end`);
      props.side.call = ended;
    });
    const callState = (c) => {
      if (c.ended) return t("cmd_call_ended");
      const answered = Object.keys(c.answered || {}).length;
      return answered ? t("cmd_call_answered", { n: answered, of: c.organisationIds.length }) : t("cmd_call_ringing");
    };
    const calls = (tree) => h(ElCard, { class: "side-card", shadow: "never" }, {
      header: () => h("strong", null, t("cmd_calls")),
      default: () => [
        h(ElSelect, {
          class: "tool-offices", modelValue: state.offices, multiple: true, placeholder: t("cmd_choose_offices"),
          ...tid("call-offices"), "onUpdate:modelValue": (v) => { state.offices = v; },
        }, () => tree.map((o) => h(ElOption, { value: o.id, label: o.name }))),
        h("div", { class: "button-row" }, [
          h(ElButton, { disabled: state.offices.length !== 1, loading: state.busy === "roll-call",
            onClick: () => call("roll-call"), ...tid("roll-call") }, () => t("cmd_roll_call")),
          h(ElButton, { disabled: state.offices.length < 2, loading: state.busy === "meeting",
            onClick: () => call("meeting"), ...tid("meeting") }, () => t("cmd_meeting")),
        ]),
        props.side.call ? h("div", { class: "call-state", ...tid("call-state"), "data-state":
          props.side.call.ended ? "ended" : Object.keys(props.side.call.answered || {}).length ? "answered" : "ringing" }, [
          h(ElTag, { type: props.side.call.ended ? "info" : "warning", disableTransitions: true },
            () => t(props.side.call.kind === "meeting" ? "cmd_meeting" : "cmd_roll_call")),
          h("span", null, ` ${callState(props.side.call)}`),
          props.side.call.ended ? null : h(ElButton, { text: true, onClick: endCall, ...tid("call-end") },
            () => t("cmd_call_end")),
        ]) : null,
      ],
    });
    return () => h("div", { class: "command-side" }, [
      alarmList(),
      intercom(),
      hub.may("room.roll-call") ? calls(props.organisations) : null,
      ruleForm(),
    ]);
  },
};
