// The party's phone page and the mediator's room view: /join/<token>.
// Speaks docs/protocol.md over socket.io; media over two RTCPeerConnections.
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const token = decodeURIComponent(location.pathname.split("/")[2] || "");
  const params = new URLSearchParams(location.search);
  const forcedCodec = (params.get("codec") || "").toLowerCase(); // "h264" | "vp8": diagnostics
  const FORWARDABLE = ["video/vp8", "video/h264", "video/rtx", "video/red", "video/ulpfec"];

  const state = {
    info: null,
    socket: null,
    iceServers: [],
    stream: null,
    facing: "user",
    pub: null,
    sub: null,
    self: null,
    joined: false,
    over: false,
    myProducers: {}, // kind -> producer id
    micMuted: false,
    camOff: false,
    mutedByMediator: false,
    participants: new Map(), // id -> {id, name, role, tile, producers: Map(producerId -> kind)}
    producerOwner: new Map(), // producer id -> participant id
    midToProducer: new Map(),
    pendingTracks: new Map(), // producer id -> track that arrived before its participant
    negotiation: Promise.resolve(),
    preview: Promise.resolve(),
    renegotiateAgain: false,
    joinClickedAt: 0,
    firstFrameMs: null,
    mediaPool: [],
    lastStats: new Map(),
    quality: new Map(),
  };

  // -- messages -----------------------------------------------------------------------
  function showMessage(key, action) {
    for (const id of ["lobby", "room"]) $(id).hidden = true;
    $("message").hidden = false;
    $("message-text").textContent = t(key);
    const title = window.I18N.zh[`${key}_title`] ? t(`${key}_title`) : t("title");
    $("message-title").textContent = title;
    $("message").dataset.code = key;
    const button = $("message-action");
    button.hidden = !action;
    if (action) {
      button.textContent = t(action.label);
      button.onclick = action.run;
    }
  }

  function banner(key) {
    const el = $("banner");
    el.hidden = !key;
    el.textContent = key ? t(key) : "";
    el.dataset.code = key || "";
  }

  // -- lobby ----------------------------------------------------------------------------
  async function main() {
    applyI18n();
    let response, data;
    try {
      response = await fetch(`/api/v1/join/${encodeURIComponent(token)}`, { cache: "no-store" });
      data = await response.json();
    } catch (err) {
      return showMessage("network", { label: "rejoin", run: () => location.reload() });
    }
    if (!response.ok) return showMessage(data.error?.code || "internal");
    state.info = data;
    $("room-name").textContent = data.room.name;
    $("lobby-room").textContent = data.room.name;
    document.title = `${data.room.name} · ${t("title")}`;
    $("name").value = data.name || "";
    $("name").readOnly = Boolean(data.name);
    $("notice").textContent = window.LANG === "en" ? data.consent.en : data.consent.zh;
    $("recording-required").hidden = !data.recordingRequired;
    $("lobby").hidden = false;
    $("consent").addEventListener("change", () => {
      $("join").disabled = !$("consent").checked;
    });
    $("join").addEventListener("click", onJoinClick);
    $("camera-retry").addEventListener("click", () => {
      state.preview = startPreview();
    });
    state.preview = startPreview();
    await state.preview;
  }

  async function startPreview() {
    $("camera-error").hidden = true;
    try {
      const stream = await navigator.mediaDevices.getUserMedia(constraints(state.facing));
      if (state.stream) state.stream.getTracks().forEach((track) => track.stop());
      state.stream = stream;
      $("preview").srcObject = stream;
      $("preview-off").hidden = true;
    } catch (err) {
      console.warn("getUserMedia failed", err);
      // fall back to the microphone only, then to nothing
      try {
        state.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch (err2) {
        state.stream = null;
      }
      $("preview-off").hidden = false;
      $("camera-error").hidden = false;
    }
  }

  function constraints(facing) {
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

  // iOS plays remote media only from elements started inside a user gesture:
  // start a pool of elements here, hand them out to tiles later.
  function unlockPlayback() {
    for (let i = 0; i < 8; i++) {
      const video = document.createElement("video");
      video.playsInline = true;
      video.autoplay = true;
      video.setAttribute("playsinline", "");
      const audio = document.createElement("audio");
      audio.autoplay = true;
      video.play().catch(() => {});
      audio.play().catch(() => {});
      state.mediaPool.push({ video, audio });
    }
  }

  function pooled(kind) {
    const entry = state.mediaPool.find((e) => e[kind] && !e[kind].isConnected && !e[kind].srcObject);
    if (entry) return entry[kind];
    const el = document.createElement(kind);
    el.autoplay = true;
    if (kind === "video") {
      el.playsInline = true;
      el.setAttribute("playsinline", "");
    }
    return el;
  }

  function onJoinClick() {
    if (!$("consent").checked) return;
    state.joinClickedAt = performance.now();
    unlockPlayback(); // must stay synchronous inside the click
    $("join").disabled = true;
    $("join").textContent = t("joining");
    connect();
  }

  // -- signaling -------------------------------------------------------------------------
  function request(event, payload) {
    return new Promise((resolve) => {
      state.socket.timeout(15000).emit(event, payload || {}, (err, ack) => {
        resolve(err ? { ok: false, error: { code: "network", message: String(err) } } : ack);
      });
    });
  }

  function connect() {
    const socket = io({ auth: { token }, transports: ["websocket"], reconnectionDelayMax: 3000 });
    state.socket = socket;
    socket.on("connect", () => enterRoom());
    socket.on("connect_error", (err) => {
      const code = err?.data?.code;
      if (code) {
        state.over = true;
        socket.disconnect();
        showMessage(code);
      } else if (state.joined) {
        banner("reconnecting");
      }
    });
    socket.on("disconnect", (reason) => {
      if (state.over) return;
      if (reason === "io server disconnect") return; // removed / ended: a message follows
      banner("reconnecting");
      closePeers();
    });
    socket.on("participant-joined", (p) => addParticipant(p));
    socket.on("participant-left", (e) => removeParticipant(e.participantId));
    socket.on("producer-added", (p) => noteProducer(p));
    socket.on("producer-removed", (e) => dropProducer(e.producerId));
    socket.on("producer-paused", (e) => onPaused(e, true));
    socket.on("producer-resumed", (e) => onPaused(e, false));
    socket.on("renegotiate", () => state.joined && scheduleSubscribe());
    socket.on("removed", () => finish("removed"));
    socket.on("room-ended", () => finish("room_ended"));
    socket.on("recording", (e) => showRecording(e));
  }

  async function enterRoom() {
    closePeers();
    const ack = await request("join", { consent: true });
    if (!ack.ok) {
      state.over = true;
      state.socket.disconnect();
      return showMessage(ack.error.code);
    }
    const first = !state.joined;
    state.joined = true;
    state.self = ack.self;
    state.iceServers = ack.iceServers || [];
    document.body.dataset.role = ack.self.role;
    if (first) showRoom(); // receiving starts now; our own media once the camera is ready
    banner(state.mutedByMediator ? "muted_by_mediator" : null);
    showRecording(ack.recording || { active: false });
    // the participant list is authoritative after every (re)join: no ghosts
    for (const id of [...state.participants.keys()]) removeParticipant(id);
    for (const p of ack.participants) addParticipant(p);
    scheduleSubscribe(); // receive while our own media is still being negotiated
    await publish();
  }

  function showRoom() {
    $("lobby").hidden = true;
    $("message").hidden = true;
    $("room").hidden = false;
    state.preview.then(() => {
      $("self-video").srcObject = state.stream;
      $("switch").hidden = !(state.stream && state.stream.getVideoTracks().length);
    });
    const moderator = state.self.role === "mediator" || state.self.role === "admin";
    $("end").hidden = !moderator;
    $("people").hidden = !moderator;
    $("mute").onclick = toggleMic;
    $("camera").onclick = toggleCamera;
    $("switch").onclick = switchCamera;
    $("leave").onclick = leave;
    $("end").onclick = endRoom;
    $("record").hidden = !moderator;
    $("record").onclick = toggleRecording;
    setInterval(updateStats, 2000);
  }

  // -- media ----------------------------------------------------------------------------------
  function gathered(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (pc.iceGatheringState === "complete") {
          pc.removeEventListener("icegatheringstatechange", check);
          resolve();
        }
      };
      pc.addEventListener("icegatheringstatechange", check);
      setTimeout(resolve, 4000); // an unreachable STUN server must not block joining
    });
  }

  function videoCodecs() {
    const codecs = RTCRtpSender.getCapabilities("video")?.codecs || [];
    const usable = codecs.filter((c) => {
      const mime = c.mimeType.toLowerCase();
      if (!FORWARDABLE.includes(mime)) return false;
      if (mime === "video/h264") return /packetization-mode=1/.test(c.sdpFmtpLine || "") && /profile-level-id=42/.test(c.sdpFmtpLine || "");
      return true;
    });
    if (!forcedCodec) return usable;
    const chosen = usable.filter((c) => c.mimeType.toLowerCase() === `video/${forcedCodec}`);
    return [...chosen, ...usable.filter((c) => !c.mimeType.toLowerCase().match(/video\/(vp8|h264)$/))];
  }

  async function publish() {
    state.myProducers = {};
    await state.preview; // a quick tap on "join" must not outrun the camera
    const tracks = state.stream ? state.stream.getTracks() : [];
    if (!tracks.length) return;
    const pc = new RTCPeerConnection({ iceServers: state.iceServers });
    state.pub = pc;
    for (const track of tracks) {
      const transceiver = pc.addTransceiver(track, { direction: "sendonly", streams: [state.stream] });
      if (track.kind === "video" && transceiver.setCodecPreferences) {
        const codecs = videoCodecs();
        if (codecs.length) transceiver.setCodecPreferences(codecs);
      }
    }
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const ack = await request("publish", { sdp: pc.localDescription.sdp, source: "camera" });
    if (!ack.ok) return showMessage(ack.error.code);
    await pc.setRemoteDescription({ type: "answer", sdp: ack.sdp });
    for (const producer of ack.producers) state.myProducers[producer.kind] = producer.id;
    if (state.micMuted && state.myProducers.audio) request("mute", { producerId: state.myProducers.audio });
    if (state.camOff && state.myProducers.video) request("mute", { producerId: state.myProducers.video });
  }

  function scheduleSubscribe() {
    state.renegotiateAgain = true;
    state.negotiation = state.negotiation.then(async () => {
      while (state.renegotiateAgain && !state.over && state.socket.connected) {
        state.renegotiateAgain = false;
        try {
          await subscribe();
        } catch (err) {
          console.warn("subscribe failed", err);
        }
      }
    });
  }

  async function subscribe() {
    const ack = await request("subscribe", {});
    if (!ack.ok) return;
    for (const c of ack.consumers) {
      state.producerOwner.set(c.producerId, c.participantId);
      if (c.mid !== null) state.midToProducer.set(c.mid, c.producerId);
    }
    if (!ack.sdp) return;
    if (!state.sub) {
      state.sub = new RTCPeerConnection({ iceServers: state.iceServers });
      state.sub.ontrack = onTrack;
    }
    const pc = state.sub;
    await pc.setRemoteDescription({ type: "offer", sdp: ack.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    await request("subscribe-answer", { sdp: pc.localDescription.sdp });
  }

  function onTrack(event) {
    const producerId = state.midToProducer.get(event.transceiver.mid);
    if (!producerId) return;
    const owner = state.participants.get(state.producerOwner.get(producerId));
    if (owner) attach(owner, producerId, event.track);
    else state.pendingTracks.set(producerId, event.track); // its participant isn't known yet
  }

  function attach(participant, producerId, track) {
    const tile = participant.tile;
    participant.producers.set(producerId, track.kind);
    if (track.kind === "video") {
      const video = tile.querySelector("video");
      video.dataset.producerId = producerId;
      tile.dataset.producerId = producerId;
      video.srcObject = new MediaStream([track]);
      video.play().catch(() => {});
      watchFirstFrame(video);
    } else {
      tile.querySelector(`audio[data-producer-id="${producerId}"]`)?.remove();
      const audio = pooled("audio");
      audio.dataset.producerId = producerId;
      audio.srcObject = new MediaStream([track]);
      tile.appendChild(audio);
      audio.play().catch(() => {});
    }
  }

  function watchFirstFrame(video) {
    if (state.firstFrameMs !== null) return;
    const done = () => {
      if (state.firstFrameMs === null) state.firstFrameMs = performance.now() - state.joinClickedAt;
    };
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(done);
    video.addEventListener("playing", done, { once: true });
  }

  function closePeers() {
    for (const key of ["pub", "sub"]) {
      if (state[key]) state[key].close();
      state[key] = null;
    }
    state.midToProducer.clear();
    state.pendingTracks.clear();
  }

  // -- participants and tiles --------------------------------------------------------------
  function addParticipant(p) {
    if (!state.self || p.id === state.self.id) return;
    let entry = state.participants.get(p.id);
    if (!entry) {
      const tile = $("tile-template").content.firstElementChild.cloneNode(true);
      const video = pooled("video");
      tile.replaceChild(video, tile.querySelector("video"));
      video.muted = true; // sound plays through the participant's <audio>
      tile.dataset.participantId = p.id;
      $("tiles").appendChild(tile);
      entry = { id: p.id, name: p.name, role: p.role, tile, producers: new Map() };
      state.participants.set(p.id, entry);
    }
    entry.tile.querySelector(".tile-name").textContent =
      p.name + (p.role === "mediator" ? ` · ${t("role_mediator")}` : "");
    for (const producer of p.producers || []) noteProducer(producer);
    for (const [producerId, track] of state.pendingTracks) {
      if (state.producerOwner.get(producerId) === p.id && track.readyState === "live") {
        state.pendingTracks.delete(producerId);
        attach(entry, producerId, track);
      }
    }
    layout();
  }

  function removeParticipant(id) {
    const entry = state.participants.get(id);
    if (!entry) return;
    for (const el of entry.tile.querySelectorAll("video, audio")) el.srcObject = null;
    entry.tile.remove();
    state.participants.delete(id);
    layout();
  }

  function noteProducer(producer) {
    state.producerOwner.set(producer.id, producer.participantId);
    const owner = state.participants.get(producer.participantId);
    if (owner && producer.kind === "audio") {
      owner.tile.querySelector(".tile-muted").hidden = !producer.paused;
    }
  }

  function dropProducer(producerId) {
    const owner = state.participants.get(state.producerOwner.get(producerId));
    state.producerOwner.delete(producerId);
    if (!owner) return;
    owner.producers.delete(producerId);
    for (const el of owner.tile.querySelectorAll(`[data-producer-id="${producerId}"]`)) {
      if (el.tagName === "AUDIO") {
        el.srcObject = null;
        el.remove();
      } else {
        delete el.dataset.producerId;
        if (el.tagName === "VIDEO") el.srcObject = null;
      }
    }
  }

  function onPaused(event, paused) {
    if (state.self && event.participantId === state.self.id) {
      if (event.producerId === state.myProducers.audio && event.by !== state.self.id && paused) {
        state.mutedByMediator = true;
        setMicUi(true);
        banner("muted_by_mediator");
      }
      return;
    }
    const owner = state.participants.get(event.participantId);
    if (owner && owner.producers.get(event.producerId) === "audio") {
      owner.tile.querySelector(".tile-muted").hidden = !paused;
    }
  }

  function layout() {
    const n = state.participants.size;
    const tiles = $("tiles");
    tiles.className = `tiles n${Math.min(n, 4)}`;
    $("waiting").hidden = n > 0;
    renderPeople();
  }

  function renderPeople() {
    if ($("people").hidden && state.self && state.self.role !== "mediator") return;
    const list = $("people-list");
    list.replaceChildren();
    for (const p of state.participants.values()) {
      const li = document.createElement("li");
      li.dataset.participantId = p.id;
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = p.name;
      const role = document.createElement("span");
      role.className = "role";
      role.textContent = t(p.role === "mediator" ? "role_mediator" : "role_party");
      li.append(who, role);
      if (p.role === "party") {
        li.append(
          button("mute_party", "mute-participant", () =>
            request("mute-participant", { participantId: p.id, kind: "audio" })),
          button("verbal_consent", "verbal-consent", () =>
            request("record-consent", { participantId: p.id })),
          button("remove", "remove", () => {
            if (params.has("noconfirm") || confirm(t("remove_confirm", { name: p.name }))) {
              request("remove-participant", { participantId: p.id });
            }
          }, "danger"),
        );
      }
      list.appendChild(li);
    }
  }

  function button(labelKey, testid, onclick, cls) {
    const b = document.createElement("button");
    b.textContent = t(labelKey);
    b.dataset.testid = testid;
    if (cls) b.className = cls;
    b.onclick = onclick;
    return b;
  }

  // -- controls ---------------------------------------------------------------------------------
  function setMicUi(muted) {
    state.micMuted = muted;
    for (const track of state.stream?.getAudioTracks() || []) track.enabled = !muted;
    $("mute").classList.toggle("off", muted);
    $("mute").querySelector(".label").textContent = t(muted ? "unmute" : "mute");
    $("mute").setAttribute("aria-pressed", String(muted));
  }

  async function toggleMic() {
    const muting = !state.micMuted;
    if (!muting && state.mutedByMediator) {
      const ack = state.myProducers.audio
        ? await request("unmute", { producerId: state.myProducers.audio })
        : { ok: true };
      if (!ack.ok) return banner("muted_by_mediator");
      state.mutedByMediator = false;
      banner(null);
    }
    setMicUi(muting);
    if (state.myProducers.audio) {
      await request(muting ? "mute" : "unmute", { producerId: state.myProducers.audio });
    }
  }

  async function toggleCamera() {
    state.camOff = !state.camOff;
    for (const track of state.stream?.getVideoTracks() || []) track.enabled = !state.camOff;
    $("camera").classList.toggle("off", state.camOff);
    $("camera").querySelector(".label").textContent = t(state.camOff ? "camera_on" : "camera_off");
    if (state.myProducers.video) {
      await request(state.camOff ? "mute" : "unmute", { producerId: state.myProducers.video });
    }
  }

  async function switchCamera() {
    const facing = state.facing === "user" ? "environment" : "user";
    try {
      const fresh = await navigator.mediaDevices.getUserMedia({ video: constraints(facing).video });
      const track = fresh.getVideoTracks()[0];
      const sender = state.pub?.getSenders().find((s) => s.track && s.track.kind === "video");
      if (sender) await sender.replaceTrack(track);
      for (const old of state.stream.getVideoTracks()) {
        state.stream.removeTrack(old);
        old.stop();
      }
      state.stream.addTrack(track);
      state.facing = facing;
      $("self-video").srcObject = state.stream;
    } catch (err) {
      console.warn("switch camera failed", err);
    }
  }

  async function leave() {
    state.over = true;
    await request("leave", {});
    state.socket.disconnect();
    closePeers();
    showMessage("left", { label: "rejoin", run: () => location.reload() });
  }

  // -- recording (mediators start/stop; everyone sees the indicator) ------------------------
  function showRecording(recording) {
    state.recording = Boolean(recording.active);
    $("recording").hidden = !state.recording;
    document.body.dataset.recording = String(state.recording);
    const button = $("record");
    button.classList.toggle("off", state.recording);
    button.setAttribute("aria-pressed", String(state.recording));
    // required by the organisation: it runs until the room ends, nobody stops it
    const required = Boolean(recording.required) && state.recording;
    button.disabled = required;
    button.querySelector(".label").textContent =
      t(required ? "record_required" : state.recording ? "record_stop" : "record_start");
  }

  async function toggleRecording() {
    const ack = await request(state.recording ? "record-stop" : "record-start", {});
    if (!ack.ok) return banner(ack.error.code === "consent_missing" ? "consent_missing" : ack.error.code);
    banner(null);
    showRecording(ack.recording);
  }

  async function endRoom() {
    if (!params.has("noconfirm") && !confirm(t("end_confirm"))) return;
    const ack = await request("end-room", {});
    if (ack.ok) finish("room_ended");
  }

  function finish(key) {
    state.over = true;
    state.socket?.disconnect();
    closePeers();
    state.stream?.getTracks().forEach((track) => track.stop());
    showMessage(key);
  }

  // -- connection quality --------------------------------------------------------------------
  // good / fair / poor from round-trip time, packet loss and the video bitrate received
  // (a video under ~150 kbps is a postage stamp; under ~60 kbps it freezes). A paused
  // camera sends (almost) nothing and doesn't count.
  function grade(lossPct, rttMs, videoKbps) {
    const slow = (limit) => videoKbps !== null && videoKbps >= 5 && videoKbps < limit;
    if (lossPct >= 8 || (rttMs !== null && rttMs >= 600) || slow(60)) return "poor";
    if (lossPct >= 2 || (rttMs !== null && rttMs >= 300) || slow(150)) return "fair";
    return "good";
  }

  async function collectStats() {
    const now = performance.now();
    const result = { rttMs: null, firstFrameMs: state.firstFrameMs, publish: {}, producers: {} };
    if (state.pub) {
      const report = await state.pub.getStats();
      report.forEach((s) => {
        if (s.type === "candidate-pair" && s.nominated && s.currentRoundTripTime !== undefined) {
          result.rttMs = Math.round(s.currentRoundTripTime * 1000);
        }
        if (s.type === "outbound-rtp") {
          result.publish[s.kind] = { packetsSent: s.packetsSent, bytesSent: s.bytesSent, codecId: s.codecId };
        }
      });
    }
    if (state.sub) {
      const report = await state.sub.getStats();
      report.forEach((s) => {
        if (s.type === "candidate-pair" && s.nominated && s.currentRoundTripTime !== undefined && result.rttMs === null) {
          result.rttMs = Math.round(s.currentRoundTripTime * 1000);
        }
        if (s.type !== "inbound-rtp") return;
        const producerId = state.midToProducer.get(s.mid);
        if (!producerId) return;
        // deltas against a sample at least a second old, whoever asks and how often
        const prev = state.lastStats.get(producerId);
        const seconds = prev ? (now - prev.at) / 1000 : 0;
        const resample = !prev || seconds >= 1;
        const lost = prev ? s.packetsLost - prev.packetsLost : 0;
        const got = prev ? s.packetsReceived - prev.packetsReceived : 0;
        result.producers[producerId] = {
          kind: s.kind,
          codec: report.get(s.codecId)?.mimeType,
          participantId: state.producerOwner.get(producerId),
          packetsReceived: s.packetsReceived,
          packetsLost: s.packetsLost,
          lossPct: got + lost > 0 ? (100 * Math.max(lost, 0)) / (got + lost) : 0,
          bitrateKbps: seconds > 0 ? Math.round((8 * (s.bytesReceived - prev.bytesReceived)) / seconds / 1000) : null,
          jitterMs: s.jitter !== undefined ? Math.round(s.jitter * 1000) : null,
          framesDecoded: s.framesDecoded,
          totalAudioEnergy: s.totalAudioEnergy,
          audioLevel: s.audioLevel,
        };
        if (resample) {
          state.lastStats.set(producerId, { at: now, packetsLost: s.packetsLost, packetsReceived: s.packetsReceived, bytesReceived: s.bytesReceived });
        }
      });
    }
    // per participant: what the tiles and the connection info panel show
    result.participants = {};
    for (const participant of state.participants.values()) {
      const mine = Object.values(result.producers).filter((p) => p.participantId === participant.id);
      if (!mine.length) continue;
      const video = mine.find((p) => p.kind === "video");
      const videoKbps = video ? video.bitrateKbps : null;
      const lossPct = Math.max(0, ...mine.map((p) => p.lossPct));
      result.participants[participant.id] = {
        name: participant.name,
        rttMs: result.rttMs,
        lossPct,
        bitrateKbps: mine.reduce((sum, p) => sum + (p.bitrateKbps || 0), 0),
        videoKbps,
        codec: video ? video.codec : null,
        quality: grade(lossPct, result.rttMs, videoKbps),
      };
    }
    return result;
  }

  async function updateStats() {
    if (state.over) return;
    const stats = await collectStats();
    const lines = [`${t("rtt")}: ${stats.rttMs ?? "-"} ms`];
    for (const participant of state.participants.values()) {
      const summary = stats.participants[participant.id];
      const quality = summary ? summary.quality : null;
      const badge = participant.tile.querySelector(".quality");
      badge.className = `quality ${quality || ""}`;
      badge.textContent = quality ? t(`quality_${quality}`) : "";
      participant.tile.dataset.quality = quality || "";
      if (!summary) continue;
      const codec = summary.codec ? ` · ${summary.codec.replace("video/", "")}` : "";
      lines.push(
        `${participant.name}: ${t(`quality_${quality}`)} · ${t("loss")} ${summary.lossPct.toFixed(1)}%`
          + ` · ${t("bitrate")} ${summary.bitrateKbps} kbps${codec}`,
      );
    }
    $("conn-info").textContent = lines.join("\n");
  }

  window.hub = {
    stats: collectStats,
    get firstFrameMs() {
      return state.firstFrameMs;
    },
    get self() {
      return state.self;
    },
    get socket() {
      return state.socket; // diagnostics and tests: drop the transport to try reconnecting
    },
  };

  main();
})();
