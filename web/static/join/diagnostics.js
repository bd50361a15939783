// window.hub, for diagnostics and the browser tests: the numbers behind the badges, who
// we are, the socket (to drop it), the peer connections and the simulcast layers asked for.

export function exposeDiagnostics(state, stats) {
  window.hub = {
    stats,
    get firstFrameMs() {
      return state.firstFrameMs;
    },
    get self() {
      return state.self;
    },
    get socket() {
      return state.signaling?.socket;
    },
    get peers() {
      return { publisher: state.publisher?.pc, subscriber: state.subscriber?.pc };
    },
    /** producer id -> the simulcast layer this page last asked the hub for */
    get layers() {
      return Object.fromEntries(state.subscriber?.layers || []);
    },
  };
}
