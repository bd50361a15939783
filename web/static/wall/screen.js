// A wall screen (/wall/<wall-id>/screen/<n>): a kiosk page that logs in once with its screen
// credential (the URL's #key=..., then kept in localStorage), asks the hub what its tiles
// show (`sync` on the /wall namespace), and receives their streams on one subscribe
// connection. Built from the shared modules: signaling, peers (Subscriber), i18n, dom.

import { io } from "/vendor/socket.io.esm.min.js";
import { byId } from "../lib/dom.js";
import { pageI18n } from "../lib/i18n.js";
import { Subscriber } from "../lib/peers.js";
import { RoomSignaling, refusal } from "../lib/signaling.js";
import { keyFromHash, msUntil, screenFromPath, screenToken } from "./layout.js";
import strings from "./strings.js";
import { WallTiles } from "./wall-tiles.js";

const { t, apply } = pageI18n(strings);
apply();

const where = screenFromPath(location.pathname);
const storageKey = where ? `wall-screen-key:${where.wall}:${where.number}` : "";
const fromUrl = keyFromHash(location.hash);
if (where && fromUrl) {
  localStorage.setItem(storageKey, fromUrl);
  history.replaceState(null, "", location.pathname); // the secret leaves the address bar
}
const key = where ? fromUrl || localStorage.getItem(storageKey) : null;

const log = []; // [what, Date.now()] of the last changes, answers, tracks, first frames
const note = (what) => {
  log.push([what, Date.now()]);
  if (log.length > 200) log.shift();
};
const tiles = new WallTiles(byId("screen"), t, { onEvent: (what, id) => note(`${what}:${id}`) });
let offsetS = 0; // the hub's clock minus ours
let timer = null;
let syncing = Promise.resolve();
let again = false;
let ended = false;

function message(text) {
  byId("message-text").textContent = text;
  byId("message").hidden = false;
}

function status(on) {
  byId("status-dot").classList.toggle("on", on);
}

function tick() {
  const now = new Date(Date.now() + offsetS * 1000);
  byId("clock").textContent = now.toLocaleTimeString("zh-CN", { hour12: false });
}

if (!where || !key) {
  message(t("no_key"));
} else {
  byId("screen-number").textContent = t("screen_n", { n: where.number });
  const signaling = new RoomSignaling((options) => io("/wall", options), screenToken(where.wall, where.number, key));
  const subscriber = new Subscriber(signaling, {
    onTrack: (producerId, track) => tiles.deliver(producerId, track),
    active: () => !ended,
  });

  // Ask the hub what to show; requests arriving meanwhile fold into one more round.
  const resync = (event = "sync", payload = {}) => {
    again = true;
    syncing = syncing.then(async () => {
      while (again && !ended && signaling.connected) {
        again = false;
        const ack = await signaling.request(event, payload);
        if (!ack.ok) {
          if (ack.error && ack.error.code === "screen_credential_invalid") revoked();
          return;
        }
        note(`${event}-answer`);
        offsetS = ack.now - Date.now() / 1000;
        subscriber.iceServers = ack.iceServers;
        byId("wall-name").textContent = ack.wall.name;
        tiles.render(ack);
        subscriber.schedule();
        plan(ack);
      }
    });
    return syncing;
  };

  // Tours: ask again when the next step's streams should start (prefetchAt) and show
  // them at the switch (switchAt), then ask again.
  const plan = (state) => {
    clearTimeout(timer);
    const now = Date.now();
    let wake = null;
    let switching = [];
    for (const entry of state.tiles) {
      const tour = entry.tour;
      if (!tour || tour.switchAt === null) continue;
      for (const [at, isSwitch] of [[tour.prefetchAt, false], [tour.switchAt, true]]) {
        const ms = msUntil(at, offsetS, now);
        if (ms === null || (ms === 0 && !isSwitch)) continue;
        if (wake === null || ms < wake) {
          wake = ms;
          switching = [];
        }
        if (ms === wake && isSwitch) switching.push(entry.tile);
      }
    }
    if (wake === null) return;
    timer = setTimeout(() => {
      switching.forEach((n) => tiles.promote(n));
      resync();
    }, wake + 30);
  };

  const revoked = () => {
    ended = true;
    localStorage.removeItem(storageKey);
    subscriber.close();
    signaling.disconnect();
    message(t("revoked"));
  };

  const reportVisible = () => {
    const all = document.visibilityState === "hidden" ? [] : [...tiles.tiles.keys()];
    if (all.length || document.visibilityState === "hidden") resync("visible", { tiles: all });
  };

  signaling
    .on("connect", () => {
      status(true);
      subscriber.close(); // a new connection on the hub: a new subscribe connection too
      resync();
    })
    .on("disconnect", () => status(false))
    .on("connect_error", (err) => {
      status(false);
      if (refusal(err) === "screen_credential_invalid") revoked();
    })
    .on("wall-changed", () => {
      note("wall-changed");
      resync();
    })
    .on("media-changed", () => {
      note("media-changed");
      resync();
    })
    .on("alarms-changed", () => resync())
    .on("renegotiate", () => subscriber.schedule())
    .on("screen-revoked", revoked)
    .connect();
  document.addEventListener("visibilitychange", reportVisible);
  setInterval(tick, 1000);
  // labels that change without a hint (recording started elsewhere): a slow refresh
  setInterval(() => resync(), 10000);

  window.wall = { tiles: () => tiles.snapshot(), state: () => tiles.state, resync, log };
}
