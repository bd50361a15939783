// The operator's ears and voice in a room, for the operator console (/command):
//   Listener: listen in (监听) on one room, and only that room: its microphones arrive on
//             the /wall namespace's subscribe connection and play in <audio> elements.
//   BargeIn:  talk into a room (远程指挥): join it with bargeIn (everyone there sees
//             "指挥中心正在讲话" while the microphone is live) and hear the room's answer.
// Built on the shared modules; the socket.io client (`io`) and the API client come in.

import { Publisher, Subscriber } from "../lib/peers.js";
import { RoomSignaling } from "../lib/signaling.js";

function audioSink(documentRef) {
  const holder = documentRef.createElement("div");
  holder.hidden = true;
  documentRef.body.appendChild(holder);
  return {
    holder,
    play(producerId, track) {
      if (track.kind !== "audio") return;
      holder.querySelector(`audio[data-producer-id="${CSS.escape(producerId)}"]`)?.remove();
      const audio = documentRef.createElement("audio");
      audio.autoplay = true;
      audio.dataset.producerId = producerId;
      audio.srcObject = new MediaStream([track]);
      holder.appendChild(audio);
      audio.play().catch(() => {});
    },
    clear() {
      for (const audio of holder.querySelectorAll("audio")) audio.srcObject = null;
      holder.replaceChildren();
    },
  };
}

export class Listener {
  /** @param io the socket.io client's io(); @param token the operator's staff token */
  constructor(io, token, { documentRef = document } = {}) {
    this.signaling = new RoomSignaling((options) => io("/wall", options), token);
    this.sink = audioSink(documentRef);
    this.subscriber = new Subscriber(this.signaling, { onTrack: (id, track) => this.sink.play(id, track) });
    this.room = null;
    this.signaling.on("renegotiate", () => this.subscriber.schedule());
  }

  connect() {
    return new Promise((resolve, reject) => {
      this.signaling.on("connect", resolve).on("connect_error", reject).connect();
    });
  }

  /** Hear this room (the one heard before is dropped first). Resolves to the ack. */
  async listen(roomId) {
    this.sink.clear();
    const ack = await this.signaling.request("listen", { room: roomId });
    if (ack.ok) {
      this.room = roomId;
      await this.subscriber.schedule();
    }
    return ack;
  }

  async stop() {
    this.sink.clear();
    this.room = null;
    return this.signaling.request("listen-stop", {});
  }

  /** The producers whose sound plays now. */
  playing() {
    return [...this.sink.holder.querySelectorAll("audio")].map((a) => a.dataset.producerId);
  }

  close() {
    this.sink.clear();
    this.subscriber.close();
    this.signaling.disconnect();
  }
}

export class BargeIn {
  /**
   * @param io   the socket.io client's io()
   * @param api  lib/api.js client with the operator's token (asks the room's seat)
   */
  constructor(io, api, { documentRef = document, microphone = () => navigator.mediaDevices.getUserMedia({ audio: true }) } = {}) {
    this.io = io;
    this.api = api;
    this.document = documentRef;
    this.microphone = microphone;
    this.signaling = null;
    this.stream = null;
  }

  /** Join the room with bargeIn and speak; resolves to the publish ack (or an error ack). */
  async start(roomId) {
    await this.stop();
    const seat = await this.api.post(`/rooms/${roomId}/seat`);
    const token = seat.url.split("/join/")[1];
    const signaling = new RoomSignaling(this.io, token);
    this.signaling = signaling;
    this.sink = audioSink(this.document);
    this.subscriber = new Subscriber(signaling, { onTrack: (id, track) => this.sink.play(id, track) });
    signaling.on("renegotiate", () => this.subscriber.schedule());
    await new Promise((resolve, reject) => signaling.on("connect", resolve).on("connect_error", reject).connect());
    const joined = await signaling.request("join", { room: roomId, bargeIn: true });
    if (!joined.ok) return joined;
    this.subscriber.iceServers = joined.iceServers;
    this.subscriber.schedule();
    this.stream = await this.microphone();
    this.publisher = new Publisher(signaling, { iceServers: joined.iceServers });
    return this.publisher.publish(new MediaStream(this.stream.getAudioTracks()), "mic");
  }

  async stop() {
    if (!this.signaling) return;
    const signaling = this.signaling;
    this.signaling = null;
    await signaling.request("leave", {});
    this.publisher?.close();
    this.subscriber?.close();
    this.sink?.clear();
    this.stream?.getTracks().forEach((track) => track.stop());
    signaling.disconnect();
  }
}
