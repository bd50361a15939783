// The office's duty page (/office, 值班台): an office's staff keep it open; it rings when
// the command center roll-calls the office or calls it into a meeting, and answering
// takes them into the call's room (the room page, with a seat of their own).

import { io } from "/vendor/socket.io.esm.min.js";
import { createApi } from "../lib/api.js";
import { byId } from "../lib/dom.js";
import { pageI18n } from "../lib/i18n.js";
import { staffToken } from "../lib/session.js";
import { RoomSignaling, refusal } from "../lib/signaling.js";
import strings from "./strings.js";

const { t, apply } = pageI18n(strings);
apply();
const token = staffToken();
let current = null;
let tone = null;

function ring(on) {
  try {
    if (on && !tone) {
      const context = new AudioContext();
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.frequency.value = 880;
      gain.gain.value = 0.15;
      oscillator.connect(gain).connect(context.destination);
      oscillator.start();
      const pulse = setInterval(() => {
        gain.gain.value = gain.gain.value ? 0 : 0.15;
      }, 500);
      tone = { context, pulse };
    } else if (!on && tone) {
      clearInterval(tone.pulse);
      tone.context.close();
      tone = null;
    }
  } catch {
    // no sound without a gesture on some browsers: the card still flashes
  }
}

function showCall(call) {
  if (call.ended) {
    if (current && current.id === call.id) {
      current = null;
      byId("call").hidden = true;
      byId("status").textContent = t("ended");
      ring(false);
    }
    return;
  }
  current = call;
  byId("call-kind").textContent = t(call.kind === "meeting" ? "meeting" : "roll_call");
  byId("call-from").textContent = t("from", { name: call.from || "" });
  byId("call-room").textContent = call.roomName || "";
  byId("call-error").hidden = true;
  byId("answer").disabled = false;
  byId("call").hidden = false;
  ring(true);
}

if (!token) {
  byId("duty").hidden = true;
  byId("login").hidden = false;
} else {
  const api = createApi({ token: () => token });
  api.get("/me").then((me) => {
    byId("who").textContent = me.name;
  }).catch(() => {});
  const signaling = new RoomSignaling((options) => io("/wall", options), token);
  signaling
    .on("connect", () => {
      byId("dot").classList.add("on");
      byId("status").textContent = t("on_duty");
    })
    .on("disconnect", () => {
      byId("dot").classList.remove("on");
      byId("status").textContent = t("offline");
    })
    .on("connect_error", (err) => {
      if (refusal(err) === "forbidden") byId("status").textContent = t("refused");
    })
    .on("call", showCall)
    .connect();
  byId("answer").addEventListener("click", async () => {
    if (!current) return;
    byId("answer").disabled = true;
    byId("answer").textContent = t("answering");
    ring(false);
    try {
      const answered = await api.post(`/calls/${current.id}/answer`);
      location.assign(answered.url);
    } catch (err) {
      byId("answer").disabled = false;
      byId("answer").textContent = t("answer");
      byId("call-error").textContent = t("failed", { message: err.message });
      byId("call-error").hidden = false;
    }
  });
  window.office = { current: () => current };
}
