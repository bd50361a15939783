// A recording, played back: every track side by side, in sync, from the original
// segments (Media Source Extensions; nothing is transcoded). Each segment is placed
// on one session clock by the recording's timing map (the server's `start`); one
// master clock drives every media element and corrects any that drift.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const token = sessionStorage.getItem("hub-token");
  const recordingId = decodeURIComponent(location.pathname.split("/").pop());
  const DRIFT_S = 0.12; // a track further than this from the master clock is moved back
  const AHEAD_S = 20; // segments fetched this far ahead of the playhead
  const BEHIND_S = 30; // and dropped from the buffers this far behind it
  const MIME = {
    "video/webm": 'video/webm; codecs="vp8"',
    "audio/webm": 'audio/webm; codecs="opus"',
    "video/mpegts": 'video/mp2t; codecs="avc1.42e01f"',
  };

  for (const el of document.querySelectorAll("[data-t]")) el.textContent = ct(el.dataset.t);
  for (const el of document.querySelectorAll("[data-t-placeholder]")) el.placeholder = ct(el.dataset.tPlaceholder);

  async function api(method, path, body) {
    const response = await fetch(`/api/v1${path}`, {
      method,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (response.status === 401) { // expired, logged out, password changed, disabled
      sessionStorage.removeItem("hub-token");
      location.href = "/console";
    }
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      const error = new Error(data.error?.message || ct("error"));
      error.code = data.error?.code || "error";
      throw error;
    }
    return response;
  }

  function fail(err) {
    $("error").hidden = false;
    $("error").dataset.code = err.code || "error";
    $("error").textContent = ct(err.code) !== err.code ? `${ct(err.code)}（${err.message}）` : err.message;
  }

  // -- the master clock ---------------------------------------------------------------
  const clock = {
    t0: 0, // wall-clock time (Unix s) of the session's first frame
    duration: 0,
    offset: 0, // session time at `base`
    base: 0, // performance.now() when play started
    playing: false,
    now() {
      return this.playing ? Math.min(this.duration, this.offset + (performance.now() - this.base) / 1000) : this.offset;
    },
    play() {
      this.base = performance.now();
      this.playing = true;
    },
    pause() {
      this.offset = this.now();
      this.playing = false;
    },
    seek(t) {
      this.offset = Math.max(0, Math.min(this.duration, t));
      this.base = performance.now();
    },
  };

  // -- one track: a media element fed segment by segment ------------------------------
  class Track {
    constructor(info, t0) {
      this.info = info;
      this.segments = info.segments.map((s) => ({ ...s, at: s.start - t0, end: s.start - t0 + s.duration }));
      this.first = this.segments[0].at;
      this.last = this.segments[this.segments.length - 1].end;
      this.loaded = new Set();
      this.queue = Promise.resolve();
      this.mime = MIME[`${info.kind}/${info.container}`] || MIME[`video/${info.container}`];
      this.supported = Boolean(window.MediaSource && MediaSource.isTypeSupported(this.mime));
      this.root = this.render();
      if (this.supported) this.ready = this.open();
    }

    render() {
      const box = document.createElement("div");
      box.className = `track ${this.info.kind}`;
      box.dataset.testid = "recording-tile";
      box.dataset.trackId = this.info.id;
      this.el = document.createElement(this.info.kind === "video" ? "video" : "audio");
      this.el.playsInline = true;
      this.el.preload = "auto";
      this.veil = document.createElement("div");
      this.veil.className = "veil";
      const meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent = `${this.info.id} · ${ct(this.info.kind)} · ${this.info.codec} · ` +
        ct(this.info.alignedBy === "sender-clock" ? "aligned_sender" : "aligned_arrival");
      if (this.info.kind === "video") box.append(this.el, this.veil, meta);
      else {
        const level = document.createElement("div");
        level.className = "bar-level";
        this.level = document.createElement("i");
        level.appendChild(this.level);
        box.append(this.el, this.veil, level, meta);
      }
      if (!this.supported) this.say(ct("unsupported") + ` (${this.info.codec})`);
      return box;
    }

    say(text) {
      this.veil.hidden = !text;
      this.veil.textContent = text || "";
    }

    open() {
      return new Promise((resolve) => {
        this.source = new MediaSource();
        this.source.addEventListener("sourceopen", () => {
          this.buffer = this.source.addSourceBuffer(this.mime);
          // "sequence": each segment lands where timestampOffset says, whatever
          // timestamps its container starts from
          this.buffer.mode = "sequence";
          resolve();
        }, { once: true });
        this.el.src = URL.createObjectURL(this.source);
      });
    }

    appended() {
      return new Promise((resolve, reject) => {
        this.buffer.addEventListener("updateend", resolve, { once: true });
        this.buffer.addEventListener("error", reject, { once: true });
      });
    }

    // fetch and append the segments around session time t (one at a time, in order)
    fill(t) {
      if (!this.supported || this.broken) return;
      const wanted = this.segments.filter((s) => s.end > t - 1 && s.at < t + AHEAD_S && !this.loaded.has(s.seq));
      for (const segment of wanted) {
        this.loaded.add(segment.seq);
        this.queue = this.queue.then(async () => {
          await this.ready;
          const response = await api("GET", segment.url.replace(/^\/api\/v1/, ""));
          const bytes = await response.arrayBuffer();
          this.buffer.timestampOffset = segment.at;
          const done = this.appended();
          this.buffer.appendBuffer(bytes);
          await done;
        }).catch((err) => {
          console.warn("segment", segment.file, err);
          if (this.source.readyState === "open") this.loaded.delete(segment.seq); // fetch again
          else this.broken = segment.file; // the browser could not decode it: say so, once
        });
      }
      const stale = this.segments.filter((s) => this.loaded.has(s.seq) && s.end < t - BEHIND_S);
      if (stale.length) {
        this.queue = this.queue.then(async () => {
          const done = this.appended();
          this.buffer.remove(0, t - BEHIND_S);
          await done;
          for (const s of stale) this.loaded.delete(s.seq);
        }).catch(() => {});
      }
    }

    buffered(t) {
      const ranges = this.el.buffered;
      for (let i = 0; i < ranges.length; i++) if (ranges.start(i) - 0.05 <= t && t < ranges.end(i)) return true;
      return false;
    }

    // follow the master clock
    sync(t, playing) {
      if (!this.supported) return;
      if (this.broken) {
        this.say(`${ct("unplayable")} (${this.broken})`);
        return;
      }
      if (t < this.first || t >= this.last) {
        if (!this.el.paused) this.el.pause();
        this.say(ct(t < this.first ? "not_started" : "ended"));
        return;
      }
      if (!this.buffered(t)) {
        if (!this.el.paused) this.el.pause();
        this.say(ct("loading"));
        return;
      }
      this.say(null);
      if (Math.abs(this.el.currentTime - t) > DRIFT_S) this.el.currentTime = t;
      if (playing && this.el.paused) this.el.play().catch(() => {});
      if (!playing && !this.el.paused) this.el.pause();
    }

    meter(analyser) {
      this.analyser = analyser;
    }

    state(t) {
      return {
        id: this.info.id,
        kind: this.info.kind,
        active: this.supported && t >= this.first && t < this.last,
        supported: this.supported,
        currentTime: this.el.currentTime,
        paused: this.el.paused,
        readyState: this.el.readyState,
        videoWidth: this.el.videoWidth || 0,
      };
    }
  }

  // -- the page -----------------------------------------------------------------------
  let tracks = [];
  let audioContext = null;

  function hhmmss(seconds) {
    return new Date(seconds * 1000).toLocaleTimeString("zh-CN", { hour12: false });
  }

  function showClock() {
    const t = clock.now();
    $("seek").value = String(t);
    const at = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
    $("clock").textContent = `${hhmmss(clock.t0 + t)} · ${at(t)} / ${at(clock.duration)}`;
  }

  function tick() {
    let t = clock.now();
    if (clock.playing && t >= clock.duration) {
      clock.pause();
      $("play").textContent = ct("play");
      t = clock.now();
    }
    for (const track of tracks) {
      track.fill(t);
      track.sync(t, clock.playing);
      if (track.analyser && track.level) {
        const data = new Uint8Array(track.analyser.fftSize);
        track.analyser.getByteTimeDomainData(data);
        const peak = data.reduce((m, v) => Math.max(m, Math.abs(v - 128)), 0) / 128;
        track.level.style.width = `${Math.round(peak * 100)}%`;
      }
    }
    showClock();
  }

  function meters() {
    // inside the click: browsers allow sound (and an AudioContext) after a gesture
    if (audioContext || !window.AudioContext) return;
    audioContext = new AudioContext();
    for (const track of tracks) {
      if (track.info.kind !== "audio" || !track.supported) continue;
      const analyser = audioContext.createAnalyser();
      analyser.fftSize = 512;
      audioContext.createMediaElementSource(track.el).connect(analyser).connect(audioContext.destination);
      track.meter(analyser);
    }
  }

  $("play").onclick = () => {
    meters();
    if (clock.playing) clock.pause();
    else {
      if (clock.now() >= clock.duration) clock.seek(0);
      clock.play();
    }
    $("play").textContent = ct(clock.playing ? "pause" : "play");
    // start the elements inside the click too (iOS and Chrome's autoplay rules)
    for (const track of tracks) track.sync(clock.now(), clock.playing);
  };

  $("seek").addEventListener("input", () => {
    clock.seek(Number($("seek").value));
    tick();
  });

  async function details() {
    const data = await (await api("GET", `/recordings/${encodeURIComponent(recordingId)}`)).json();
    const v = data.verification;
    // verified = intact AND signed by this install's key; another key is said plainly, in red
    const why = !v.keyTrusted ? ct("other_key") : v.firstBadSegment || "";
    $("verification").textContent = v.ok ? `✔ ${ct("verified_ok")}` : `✘ ${ct("verified_bad")}: ${why}`;
    $("verification").dataset.ok = String(v.ok);
    $("verification").dataset.keyTrusted = String(v.keyTrusted);
    $("verification").classList.toggle("untrusted", !v.ok);
    $("key").textContent = `${ct("key_fingerprint")} ${v.keyFingerprint.slice(0, 16)}…` +
      (v.keyTrusted ? "" : ` · ${ct("trusted_fingerprint")} ${v.trustedKeyFingerprint.slice(0, 16)}…`);
    $("key").title = `${v.keyFingerprint}\n${v.trustedKeyFingerprint}`;
    $("verification").title = v.report;
    const kept = data.retentionDays ? `${ct("retention")} ${data.retentionDays} ${ct("days")}` : ct("kept_forever");
    const after = data.deletableAfter ? ` · ${ct("deletable_after")} ${new Date(data.deletableAfter * 1000).toLocaleDateString()}` : "";
    $("retention").textContent = `${kept}${after}` + (data.legalHold ? ` · ${ct("legal_hold")}: ${data.hold.reason}` : "");
    $("hold").textContent = ct(data.legalHold ? "release" : "hold");
    $("hold").dataset.held = String(data.legalHold);
    return data;
  }

  async function act(run) {
    $("action-result").classList.remove("error");
    try {
      $("action-result").textContent = await run();
    } catch (err) {
      $("action-result").classList.add("error");
      $("action-result").dataset.code = err.code;
      $("action-result").textContent = err.message;
    }
  }

  $("hold").onclick = () => act(async () => {
    const held = $("hold").dataset.held === "true";
    await api(held ? "DELETE" : "POST", `/recordings/${encodeURIComponent(recordingId)}/hold`, { reason: $("reason").value });
    await details();
    return ct(held ? "release" : "hold") + " ✔";
  });

  $("delete").onclick = () => act(async () => {
    await api("DELETE", `/recordings/${encodeURIComponent(recordingId)}`, { reason: $("reason").value });
    $("people").replaceChildren();
    tracks = [];
    return ct("deleted");
  });

  $("export").onclick = () => act(async () => {
    const blob = await (await api("GET", `/recordings/${encodeURIComponent(recordingId)}/export`)).blob();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${recordingId}.zip`;
    a.click();
    return `${ct("export")} ✔`;
  });

  async function start() {
    const me = await (await api("GET", "/me")).json();
    $("who").textContent = me.name;
    const summary = await details();
    const data = await (await api("GET", `/recordings/${encodeURIComponent(recordingId)}/tracks`)).json();
    const starts = data.tracks.flatMap((t) => t.segments.map((s) => s.start));
    const ends = data.tracks.flatMap((t) => t.segments.map((s) => s.start + s.duration));
    clock.t0 = Math.min(...starts);
    clock.duration = Math.max(...ends) - clock.t0;
    $("seek").max = String(clock.duration);
    $("heading").textContent = `${summary.room} · ${new Date(clock.t0 * 1000).toLocaleString()} · ` +
      ct(summary.state === "recording" ? "recording_now" : summary.state);
    const videoFirst = (info) => (info.kind === "video" ? 0 : 1);
    tracks = data.tracks.sort((a, b) => videoFirst(a) - videoFirst(b)).map((info) => new Track(info, clock.t0));
    // one card per person, their tracks in it
    const people = new Map();
    for (const track of tracks) {
      const key = track.info.participantId || track.info.id;
      if (!people.has(key)) {
        const card = document.createElement("div");
        card.className = "person";
        const h = document.createElement("h3");
        h.textContent = `${track.info.name || key}${track.info.role ? ` · ${ct(track.info.role)}` : ""}`;
        card.appendChild(h);
        people.set(key, card);
      }
      people.get(key).appendChild(track.root);
    }
    $("people").replaceChildren(...people.values());
    $("recording").hidden = false;
    setInterval(tick, 200);
    tick();
  }

  // what the tests (and a curious operator, from the devtools) can read
  window.player = {
    time: () => clock.now(),
    duration: () => clock.duration,
    playing: () => clock.playing,
    tracks: () => tracks.map((track) => track.state(clock.now())),
  };

  if (!token) location.href = "/console"; // not logged in, or the session ended: log in
  else start().catch(fail);
})();
