// The two WebRTC connections of a room (DESIGN.md, after LiveKit): a publish connection
// where the browser offers, and a subscribe connection where the server offers and
// renegotiates as producers come and go. Both speak through a RoomSignaling.

/** Video codecs the hub forwards (with their helpers: retransmission, RED, FEC). */
export const FORWARDABLE = ["video/vp8", "video/h264", "video/rtx", "video/red", "video/ulpfec"];

/**
 * The browser's video codecs that the hub can forward, in the browser's order; H.264 only
 * as constrained baseline with packetization-mode=1. `forced` ("vp8" | "h264", diagnostics)
 * keeps only that codec (and the helpers).
 */
export function forwardableVideoCodecs(codecs, forced = "") {
  const usable = (codecs || []).filter((c) => {
    const mime = c.mimeType.toLowerCase();
    if (!FORWARDABLE.includes(mime)) return false;
    if (mime === "video/h264") {
      const fmtp = c.sdpFmtpLine || "";
      return /packetization-mode=1/.test(fmtp) && /profile-level-id=42/.test(fmtp);
    }
    return true;
  });
  if (!forced) return usable;
  const isMain = (c) => /video\/(vp8|h264)$/.test(c.mimeType.toLowerCase());
  const chosen = usable.filter((c) => c.mimeType.toLowerCase() === `video/${forced}`);
  return [...chosen, ...usable.filter((c) => !isMain(c))];
}

/** Resolves when ICE gathering is complete (the hub doesn't trickle), or after timeoutMs:
 * an unreachable STUN server must not block joining. */
export function iceGathered(pc, timeoutMs = 4000) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (pc.iceGatheringState === "complete") {
        pc.removeEventListener("icegatheringstatechange", check);
        resolve();
      }
    };
    pc.addEventListener("icegatheringstatechange", check);
    setTimeout(resolve, timeoutMs);
  });
}

/**
 * Simulcast encodings of a desk camera, lowest first (the hub keeps them as layers of one
 * producer; small tiles and wall screens take the low one). The page's 640x480 camera
 * gives a 320x240 layer and the full picture. Phones send one encoding: their uplink is
 * the scarce thing.
 */
export const SIMULCAST_LAYERS = [
  { rid: "l", scaleResolutionDownBy: 2, maxBitrate: 200000 },
  { rid: "f", maxBitrate: 900000 },
];

/**
 * Whether this device should publish its camera in layers: a desk (fine pointer), unless
 * the link says `?simulcast=0` (diagnostics). Phones never: their uplink is the scarce thing.
 */
export function wantsSimulcast(win = globalThis) {
  const off = new URLSearchParams(win.location?.search || "").get("simulcast") === "0";
  return !off && Boolean(win.matchMedia?.("(pointer: fine)").matches);
}

/** Our own camera and microphone (or screen), sent to the hub. */
export class Publisher {
  constructor(signaling, { iceServers = [], forcedCodec = "", simulcast = false } = {}) {
    this.signaling = signaling;
    this.iceServers = iceServers;
    this.forcedCodec = forcedCodec;
    this.simulcast = simulcast; // send the camera as SIMULCAST_LAYERS
    this.pc = null;
    this.producers = {}; // kind -> producer id
  }

  /** Offer the stream's tracks; resolves to the publish ack ({ok, producers} or an error). */
  async publish(stream, source = "camera") {
    this.producers = {};
    const tracks = stream ? stream.getTracks() : [];
    if (!tracks.length) return { ok: true, producers: [] };
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    for (const track of tracks) {
      const init = { direction: "sendonly", streams: [stream] };
      if (track.kind === "video" && source === "camera" && this.simulcast) {
        init.sendEncodings = SIMULCAST_LAYERS.map((layer) => ({ ...layer }));
      }
      const transceiver = pc.addTransceiver(track, init);
      if (track.kind === "video" && transceiver.setCodecPreferences) {
        const codecs = forwardableVideoCodecs(RTCRtpSender.getCapabilities("video")?.codecs, this.forcedCodec);
        if (codecs.length) transceiver.setCodecPreferences(codecs);
      }
    }
    await pc.setLocalDescription(await pc.createOffer());
    await iceGathered(pc);
    const ack = await this.signaling.request("publish", { sdp: pc.localDescription.sdp, source });
    if (!ack.ok) return ack;
    await pc.setRemoteDescription({ type: "answer", sdp: ack.sdp });
    for (const producer of ack.producers) this.producers[producer.kind] = producer.id;
    return ack;
  }

  /**
   * Add one more track (a shared screen) on the same connection: a new offer with one more
   * m-line, published with `source`. Resolves to {ok, producerId, sender} or the error ack.
   */
  async addTrack(track, source) {
    if (!this.pc) return { ok: false, error: { code: "invalid_state", message: "not publishing" } };
    const pc = this.pc;
    const transceiver = pc.addTransceiver(track, { direction: "sendonly" });
    if (track.kind === "video" && transceiver.setCodecPreferences) {
      const codecs = forwardableVideoCodecs(RTCRtpSender.getCapabilities("video")?.codecs, this.forcedCodec);
      if (codecs.length) transceiver.setCodecPreferences(codecs);
    }
    const ack = await this.renegotiate(source);
    if (!ack.ok) {
      transceiver.stop();
      await this.renegotiate(null).catch(() => {});
      return ack;
    }
    const producer = ack.producers.find((p) => p.kind === track.kind);
    return { ok: true, producerId: producer?.id, transceiver };
  }

  /** Stop sending a track added with addTrack(): its producer closes on the hub. */
  async removeTrack(transceiver) {
    if (!this.pc || !transceiver) return;
    transceiver.stop();
    await this.renegotiate(null);
  }

  async renegotiate(source) {
    const pc = this.pc;
    await pc.setLocalDescription(await pc.createOffer());
    await iceGathered(pc);
    const payload = { sdp: pc.localDescription.sdp };
    if (source) payload.source = source;
    const ack = await this.signaling.request("publish", payload);
    if (!ack.ok) {
      await pc.setLocalDescription({ type: "rollback" }).catch(() => {});
      return ack;
    }
    await pc.setRemoteDescription({ type: "answer", sdp: ack.sdp });
    return ack;
  }

  /** Send another camera's track in place of the current video (no renegotiation). */
  async replaceVideoTrack(track) {
    const sender = this.pc?.getSenders().find((s) => s.track && s.track.kind === "video");
    if (sender) await sender.replaceTrack(track);
  }

  close() {
    this.pc?.close();
    this.pc = null;
  }
}

/**
 * Everything the hub sends us, on one connection the server offers. schedule() asks for a
 * (re)negotiation; requests that arrive while one runs are folded into one more round.
 * onTrack(producerId, track) is called for every remote track, with its producer's id.
 */
export class Subscriber {
  constructor(signaling, { iceServers = [], onTrack = () => {}, active = () => true } = {}) {
    this.signaling = signaling;
    this.iceServers = iceServers;
    this.onTrack = onTrack;
    this.active = active; // false once the page is done: no more rounds
    this.pc = null;
    this.producerOwner = new Map(); // producer id -> participant id
    this.midToProducer = new Map();
    this.negotiation = Promise.resolve();
    this.again = false;
    this.layers = new Map(); // producer id -> the layer we last asked for
  }

  /**
   * Ask for the "low", "mid" or "high" simulcast layer of a producer's video (small tiles
   * take "low"). Asked once per change; a stream sent in one layer only ignores it.
   */
  async preferLayer(producerId, layer) {
    if (this.layers.get(producerId) === layer) return;
    this.layers.set(producerId, layer);
    const ack = await this.signaling.request("set-preferred-layer", { producerId, layer });
    if (!ack.ok) this.layers.delete(producerId); // not consumed yet: ask again next layout
  }

  /** Renegotiate now, or right after the round that runs. Resolves when done. */
  schedule() {
    this.again = true;
    this.negotiation = this.negotiation.then(async () => {
      while (this.again && this.active() && this.signaling.connected) {
        this.again = false;
        try {
          await this.round();
        } catch (err) {
          console.warn("subscribe failed", err);
        }
      }
    });
    return this.negotiation;
  }

  async round() {
    const ack = await this.signaling.request("subscribe", {});
    if (!ack.ok) return;
    for (const c of ack.consumers) {
      this.producerOwner.set(c.producerId, c.participantId);
      if (c.mid !== null) this.midToProducer.set(c.mid, c.producerId);
    }
    if (!ack.sdp) return;
    if (!this.pc) {
      this.pc = new RTCPeerConnection({ iceServers: this.iceServers });
      this.pc.ontrack = (event) => {
        const producerId = this.midToProducer.get(event.transceiver.mid);
        if (producerId) this.onTrack(producerId, event.track);
      };
    }
    const pc = this.pc;
    await pc.setRemoteDescription({ type: "offer", sdp: ack.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await iceGathered(pc);
    await this.signaling.request("subscribe-answer", { sdp: pc.localDescription.sdp });
  }

  /** The participant whose producer this is (as the hub told us), or undefined. */
  ownerOf(producerId) {
    return this.producerOwner.get(producerId);
  }

  noteProducer(producerId, participantId) {
    this.producerOwner.set(producerId, participantId);
  }

  forgetProducer(producerId) {
    this.producerOwner.delete(producerId);
    this.layers.delete(producerId);
  }

  /** Close the connection (a new one is made on the next round: after a reconnect). */
  close() {
    this.pc?.close();
    this.pc = null;
    this.midToProducer.clear();
    this.layers.clear();
  }
}
