// Screen or document sharing from a desktop browser (data-testid share-screen): the
// mediator picks a screen, window or tab; it goes to the hub as one more video on the
// publish connection (source "screen"), and everyone else sees it large on the stage.
// Phones can't capture their screen in a browser: the button shows only where
// getDisplayMedia exists.

export const canShareScreen = (mediaDevices = globalThis.navigator?.mediaDevices) =>
  Boolean(mediaDevices && typeof mediaDevices.getDisplayMedia === "function");

/** Our own share: start() asks the browser, stop() ends it (also when the browser's own
 * "stop sharing" bar is used). onChange(sharing, errorCode). */
export class ScreenShare {
  constructor({ publisher, onChange, mediaDevices = navigator.mediaDevices }) {
    this.publisher = publisher;
    this.onChange = onChange;
    this.devices = mediaDevices;
    this.track = null;
    this.transceiver = null;
    this.producerId = null;
  }

  get sharing() {
    return Boolean(this.track);
  }

  async toggle() {
    return this.sharing ? this.stop() : this.start();
  }

  async start() {
    let stream;
    try {
      stream = await this.devices.getDisplayMedia({ video: { frameRate: { ideal: 10, max: 15 } }, audio: false });
    } catch (err) {
      console.warn("getDisplayMedia", err);
      return this.onChange(false, err && err.name === "NotAllowedError" ? null : "share_failed");
    }
    const track = stream.getVideoTracks()[0];
    if ("contentHint" in track) track.contentHint = "detail"; // text stays sharp
    const ack = await this.publisher.addTrack(track, "screen");
    if (!ack.ok) {
      track.stop();
      return this.onChange(false, ack.error.code);
    }
    this.track = track;
    this.transceiver = ack.transceiver;
    this.producerId = ack.producerId;
    track.addEventListener("ended", () => this.stop());
    this.onChange(true, null);
  }

  async stop() {
    if (!this.track) return;
    const { track, transceiver } = this;
    this.track = this.transceiver = this.producerId = null;
    track.stop();
    try {
      await this.publisher.removeTrack(transceiver);
    } catch (err) {
      console.warn("stop sharing", err);
    }
    this.onChange(false, null);
  }

  /** The publish connection was rebuilt (a reconnect): the share is gone. */
  reset() {
    this.track?.stop();
    const was = this.sharing;
    this.track = this.transceiver = this.producerId = null;
    if (was) this.onChange(false, null);
  }
}
