// The room's socket.io connection (docs/protocol.md): requests answered by an ack
// ({ok: true, ...} or {ok: false, error: {code, message}}) and events from the server.
// The socket.io client is passed in (`io` from /vendor/socket.io.esm.min.js), so this
// module has no globals and pages, the wall and tests choose where it comes from.

export const ACK_TIMEOUT_MS = 15000;

/** What a request resolves to when no ack came (lost connection, timeout). */
export const networkError = (err) => ({ ok: false, error: { code: "network", message: String(err) } });

export class RoomSignaling {
  /**
   * @param io      the socket.io client's io()
   * @param token   the access token (party invitation or staff)
   */
  constructor(io, token, { timeoutMs = ACK_TIMEOUT_MS, reconnectionDelayMax = 3000 } = {}) {
    this.socket = io({ auth: { token }, transports: ["websocket"], reconnectionDelayMax, autoConnect: false });
    this.timeoutMs = timeoutMs;
  }

  /** Listen to a server event (or connect, connect_error, disconnect). Chainable. */
  on(event, handler) {
    this.socket.on(event, handler);
    return this;
  }

  connect() {
    this.socket.connect();
    return this;
  }

  get connected() {
    return this.socket.connected;
  }

  /** Send a request; always resolves to an ack, a network error ack if none came. */
  request(event, payload = {}) {
    return new Promise((resolve) => {
      this.socket.timeout(this.timeoutMs).emit(event, payload, (err, ack) => {
        resolve(err ? networkError(err) : ack);
      });
    });
  }

  disconnect() {
    this.socket.disconnect();
  }
}

/** A connect_error the server refused us with (a code, e.g. token_expired), or null. */
export const refusal = (err) => (err && err.data && typeof err.data.code === "string" ? err.data.code : null);
