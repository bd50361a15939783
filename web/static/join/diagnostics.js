// window.hub, for diagnostics and the browser tests: the numbers behind the badges, who
// we are, the socket (to drop it), the peer connections, the simulcast layers asked for
// and how long each camera attached from this page took to show.

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
    /** camera id -> {clicked, acked, firstFrame (ms from the attach click)} */
    get cameraTimes() {
      return Object.fromEntries(state.cameras?.times || []);
    },
  };
}
