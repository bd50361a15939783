// A recording, played back: every track side by side, in sync, from the original
// segments (Media Source Extensions; nothing transcoded), each labelled by person and
// kind ("张三 · 摄像头") and saying when and why it has nothing (muted, camera off, not
// joined yet, left). The tracks are plain DOM (recording-track.js) inside this view;
// the actions offered are those the server says this viewer may take.
import { h, inject, onBeforeUnmount, onMounted, reactive, ref } from "vue";
import { ElAlert, ElButton, ElCard, ElInput, ElSkeleton, ElTag } from "element-plus";
import { el } from "../../lib/dom.js";
import { MasterClock, minutesSeconds, peakLevel, sessionSpan } from "../playback.js";
import { Track } from "../recording-track.js";
import { pathOf } from "../router.js";
import { link, model, statusTag, tid, when } from "../ui.js";

export const RecordingView = {
  name: "RecordingView",
  props: { params: { type: Object, required: true } },
  setup(props) {
    const hub = inject("hub");
    const { t } = hub;
    const path = `/recordings/${encodeURIComponent(props.params.id)}`;
    const clock = new MasterClock();
    const people = ref(null);
    const state = reactive({
      data: null, error: null, playing: false, now: 0, duration: 0, t0: 0, reason: "", result: null, busy: false,
    });
    let tracks = [];
    let timer = null;
    let audioContext = null;

    const fetchSegment = async (url) => (await hub.api.get(url.replace(/^\/api\/v1/, ""), { raw: true })).arrayBuffer();
    const tick = () => {
      let now = clock.now();
      if (clock.playing && now >= clock.duration) {
        clock.pause();
        now = clock.now();
      }
      for (const track of tracks) {
        track.fill(now);
        track.sync(now, clock.playing);
        if (track.analyser && track.level) {
          const data = new Uint8Array(track.analyser.fftSize);
          track.analyser.getByteTimeDomainData(data);
          track.level.style.width = `${Math.round(peakLevel(data) * 100)}%`;
        }
      }
      state.now = now;
      state.playing = clock.playing;
    };
    const meters = () => {
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
    };
    const play = () => {
      meters();
      if (clock.playing) clock.pause();
      else {
        if (clock.now() >= clock.duration) clock.seek(0);
        clock.play();
      }
      // start the elements inside the click too (iOS and Chrome's autoplay rules)
      for (const track of tracks) track.sync(clock.now(), clock.playing);
      tick();
    };
    const seek = (event) => {
      clock.seek(Number(event.target.value));
      tick();
    };

    const details = async () => {
      state.data = await hub.api.get(path);
    };
    const start = async () => {
      try {
        await details();
        const data = await hub.api.get(`${path}/tracks`);
        Object.assign(clock, sessionSpan(data.tracks));
        state.duration = clock.duration;
        state.t0 = clock.t0;
        const videoFirst = (info) => (info.kind === "video" ? 0 : 1);
        tracks = data.tracks.sort((a, b) => videoFirst(a) - videoFirst(b))
          .map((info) => new Track(info, clock.t0, { fetchSegment, t }));
        const cards = new Map(); // one card per person, their tracks in it
        for (const track of tracks) {
          const key = track.info.participantId || track.info.id;
          if (!cards.has(key)) {
            const role = track.info.role ? ` · ${t(track.info.role)}` : "";
            cards.set(key, el("div", { className: "person", dataset: { testid: "recording-person" } },
              el("h3", { text: `${track.info.name || t("someone")}${role}` })));
          }
          cards.get(key).appendChild(track.root);
        }
        people.value.replaceChildren(...cards.values());
        timer = setInterval(tick, 200);
        tick();
      } catch (err) {
        state.error = err;
      }
    };
    onMounted(start);
    onBeforeUnmount(() => {
      clearInterval(timer);
      clock.pause();
      for (const track of tracks) track.el.pause();
      if (audioContext) audioContext.close();
      delete window.player;
    });

    const act = async (work) => {
      state.busy = true;
      state.result = null;
      try {
        state.result = { ok: true, text: await work() };
      } catch (err) {
        state.result = { ok: false, code: err.code, text: err.message };
      } finally {
        state.busy = false;
      }
    };
    const hold = () => act(async () => {
      const held = state.data.legalHold;
      await hub.api.request(held ? "DELETE" : "POST", `${path}/hold`, { reason: state.reason });
      await details();
      return `${t(held ? "release" : "hold")} ✔`;
    });
    const remove = () => act(async () => {
      await hub.api.del(path, { reason: state.reason });
      clearInterval(timer);
      people.value.replaceChildren();
      tracks = [];
      return t("deleted");
    });
    const exportBundle = () => act(async () => {
      const blob = await (await hub.api.get(`${path}/export`, { raw: true })).blob();
      const a = el("a", { href: URL.createObjectURL(blob), download: `${props.params.id}.zip` });
      a.click();
      return `${t("export")} ✔`;
    });

    // what the tests (and a curious operator, from the devtools) can read
    window.player = {
      time: () => clock.now(),
      duration: () => clock.duration,
      playing: () => clock.playing,
      tracks: () => tracks.map((track) => track.state(clock.now())),
    };

    const verification = (d) => {
      const v = d.verification;
      // verified = intact AND signed by this install's key; another key is said plainly, in red
      const why = v.keyTrusted === false ? t("other_key") : v.firstBadSegment || "";
      return h("div", { class: "verification" }, [
        h("p", {
          class: v.ok ? "ok-line" : "bad-line", "data-ok": String(v.ok), "data-key-trusted": String(v.keyTrusted),
          title: v.report, ...tid("recording-verified"),
        }, v.ok ? `✔ ${t("verified_ok")}` : `✘ ${t("verified_bad")}${why ? `：${why}` : ""}`),
        // the signing key: this install's (trusted) or another's
        v.keyFingerprint ? h("p", { class: v.keyTrusted ? "muted" : "bad-line", ...tid("recording-key") },
          `${t("key_fingerprint")} ${v.keyFingerprint.slice(0, 16)}…` +
          (v.keyTrusted ? ` · ${t("key_trusted")}` : ` · ${t("key_untrusted")} ${String(v.trustedKeyFingerprint || "").slice(0, 16)}…`))
          : null,
      ]);
    };
    const retention = (d) => {
      const kept = d.retentionDays ? t("retention_days_text", { days: d.retentionDays }) : t("kept_forever");
      const after = d.deletableAfter ? ` · ${t("deletable_after")} ${when(d.deletableAfter).slice(0, 10)}` : "";
      const held = d.legalHold ? ` · ${t("legal_hold")}：${d.hold.reason}` : "";
      return h("p", { id: "retention", ...tid("recording-retention") }, `${kept}${after}${held}`);
    };
    const actions = (d) => {
      const may = (a) => d.permissions.includes(a);
      const offered = ["recording.hold", "recording.delete", "recording.export"].some(may);
      if (!offered) return null;
      const needsReason = may("recording.hold") || may("recording.delete");
      return h(ElCard, { shadow: "never", class: "block" }, {
        header: () => h("h3", null, t("recording_actions")),
        default: () => [
          needsReason ? h(ElInput, { ...model(state, "reason"), placeholder: t("reason"), maxlength: 500, class: "reason", ...tid("recording-reason") }) : null,
          h("div", { class: "button-row" }, [
            may("recording.hold") ? h(ElButton, { loading: state.busy, onClick: hold, ...tid("recording-hold"), "data-held": String(d.legalHold) },
              () => t(d.legalHold ? "release" : "hold")) : null,
            may("recording.delete") ? h(ElButton, { type: "danger", plain: true, loading: state.busy, onClick: remove, ...tid("recording-delete") },
              () => t("delete")) : null,
            may("recording.export") ? h(ElButton, { type: "primary", loading: state.busy, onClick: exportBundle, ...tid("recording-export") },
              () => t("export")) : null,
          ]),
          state.result ? h("p", {
            class: state.result.ok ? "ok-line" : "bad-line", "data-code": state.result.code || "", ...tid("recording-action-result"),
          }, state.result.text) : null,
        ],
      });
    };
    const player = () => h("div", { class: "player" }, [
      h(ElButton, { type: "primary", size: "large", onClick: play, ...tid("recording-play") }, () => t(state.playing ? "pause" : "play")),
      h("input", {
        type: "range", id: "seek", min: 0, max: state.duration, step: 0.1, value: state.now, onInput: seek,
        "aria-label": t("seek"), ...tid("recording-seek"),
      }),
      h("span", { class: "clock", ...tid("recording-clock") },
        `${new Date((state.t0 + state.now) * 1000).toLocaleTimeString("zh-CN", { hour12: false })} · ` +
        `${minutesSeconds(state.now)} / ${minutesSeconds(state.duration)}`),
    ]);

    return () => {
      const d = state.data;
      const back = link(hub, pathOf("recordings"), `← ${t("nav_recordings")}`, { class: "back-link" });
      if (state.error) {
        const err = state.error;
        const own = hub.hasKey(err.code) ? t(err.code) : "";
        return h("div", { class: "view" }, [back, h(ElAlert, {
          type: "error", showIcon: true, closable: false, class: "block", "data-code": err.code || "error",
          ...tid("recording-error"), title: own && !err.message.startsWith(own) ? `${own}（${err.message}）` : err.message,
        })]);
      }
      return h("div", { class: "view recording-view" }, [
        back,
        d ? h(ElCard, { shadow: "never", class: "block" }, () => [
          h("h2", { class: "view-title" }, [d.room, " ", statusTag(t, d.state)]),
          h("p", { class: "muted" }, `${when(d.startedAt)} · ${t("length")} ${minutesSeconds(d.durationS)}`),
          verification(d),
          retention(d),
          d.legalHold ? h(ElTag, { type: "warning", disableTransitions: true }, () => t("legal_hold")) : null,
        ]) : h(ElSkeleton, { rows: 3, animated: true }),
        h("div", { class: "people", ref: people }),
        d ? player() : null,
        d ? actions(d) : null,
      ]);
    };
  },
};
