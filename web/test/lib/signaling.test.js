import assert from "node:assert/strict";
import { test } from "node:test";
import { RoomSignaling, networkError, refusal } from "../../static/lib/signaling.js";

// A stand-in for the socket.io client's socket: records what is sent, answers as told.
function fakeIo(answer) {
  const calls = [];
  const socket = {
    connected: false,
    handlers: {},
    on(event, fn) {
      this.handlers[event] = fn;
    },
    connect() {
      this.connected = true;
    },
    disconnect() {
      this.connected = false;
    },
    timeout(ms) {
      return { emit: (event, payload, cb) => calls.push({ ms, event, payload }) && answer(event, payload, cb) };
    },
  };
  const io = (options) => {
    calls.push({ options });
    return socket;
  };
  return { io, socket, calls };
}

test("connects with the token over WebSocket, only when asked", () => {
  const { io, socket, calls } = fakeIo(() => {});
  const signaling = new RoomSignaling(io, "tok");
  assert.deepEqual(calls[0].options.auth, { token: "tok" });
  assert.deepEqual(calls[0].options.transports, ["websocket"]);
  assert.equal(calls[0].options.autoConnect, false);
  assert.equal(signaling.connected, false);
  signaling.on("room-ended", () => {}).connect();
  assert.ok(socket.handlers["room-ended"]);
  assert.equal(signaling.connected, true);
});

test("a request resolves to the ack, or to a network error when none came", async () => {
  const { io, calls } = fakeIo((event, payload, cb) => {
    if (event === "join") cb(null, { ok: true, self: { id: "p1" } });
    else cb(new Error("operation has timed out"));
  });
  const signaling = new RoomSignaling(io, "tok", { timeoutMs: 500 });
  assert.deepEqual(await signaling.request("join", { consent: true }), { ok: true, self: { id: "p1" } });
  assert.equal(calls.at(-1).ms, 500);
  assert.deepEqual(calls.at(-1).payload, { consent: true });
  const lost = await signaling.request("subscribe");
  assert.deepEqual(lost, networkError(new Error("operation has timed out")));
  assert.equal(lost.error.code, "network");
  assert.deepEqual(calls.at(-1).payload, {});
});

test("a refusal is a connect_error with a code", () => {
  assert.equal(refusal({ data: { code: "token_expired" } }), "token_expired");
  assert.equal(refusal(new Error("websocket error")), null);
  assert.equal(refusal(null), null);
  assert.equal(refusal({ data: { code: 5 } }), null);
});
