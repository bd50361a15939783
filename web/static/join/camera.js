// The participant's own camera and microphone: the lobby preview, the fallbacks when
// the camera is refused, and switching between front and back cameras on a phone.

/** getUserMedia constraints: echo-cancelled sound, a light 640x480 picture for 4G. */
export function constraints(facing) {
  return {
    audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    video: {
      facingMode: facing,
      width: { ideal: 640 },
      height: { ideal: 480 },
      frameRate: { ideal: 15, max: 20 },
    },
  };
}

export const otherFacing = (facing) => (facing === "user" ? "environment" : "user");

export class Camera {
  constructor(mediaDevices = navigator.mediaDevices) {
    this.devices = mediaDevices;
    this.stream = null; // camera + microphone, microphone only, or null
    this.facing = "user";
    this.ready = Promise.resolve(false);
  }

  /** Ask for camera and microphone (again); falls back to the microphone only, then to
   * nothing. `ready` resolves to whether the camera works. */
  start() {
    this.ready = this.open();
    return this.ready;
  }

  async open() {
    try {
      const stream = await this.devices.getUserMedia(constraints(this.facing));
      this.stop();
      this.stream = stream;
      return true;
    } catch (err) {
      console.warn("getUserMedia failed", err);
      try {
        this.stream = await this.devices.getUserMedia({ audio: true });
      } catch {
        this.stream = null;
      }
      return false;
    }
  }

  get hasVideo() {
    return Boolean(this.stream && this.stream.getVideoTracks().length);
  }

  tracks(kind) {
    if (!this.stream) return [];
    return kind === "audio" ? this.stream.getAudioTracks() : this.stream.getVideoTracks();
  }

  /** Enable or disable our tracks of a kind (muting keeps the track: no renegotiation). */
  enable(kind, enabled) {
    for (const track of this.tracks(kind)) track.enabled = enabled;
  }

  /** The other camera, in place of the current one: `replace(track)` puts it on the
   * connection first, then the old track stops. */
  async switchFacing(replace = async () => {}) {
    const facing = otherFacing(this.facing);
    const fresh = await this.devices.getUserMedia({ video: constraints(facing).video });
    const track = fresh.getVideoTracks()[0];
    await replace(track);
    for (const old of this.stream.getVideoTracks()) {
      this.stream.removeTrack(old);
      old.stop();
    }
    this.stream.addTrack(track);
    this.facing = facing;
  }

  stop() {
    this.stream?.getTracks().forEach((track) => track.stop());
  }
}
