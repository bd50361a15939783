import assert from "node:assert/strict";
import { test } from "node:test";
import { forwardableVideoCodecs } from "../../static/lib/peers.js";

// as Chromium lists them (shortened)
const CODECS = [
  { mimeType: "video/VP8" },
  { mimeType: "video/rtx", sdpFmtpLine: "apt=96" },
  { mimeType: "video/VP9", sdpFmtpLine: "profile-id=0" },
  { mimeType: "video/H264", sdpFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f" },
  { mimeType: "video/H264", sdpFmtpLine: "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f" },
  { mimeType: "video/H264", sdpFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032" },
  { mimeType: "video/AV1" },
  { mimeType: "video/red" },
  { mimeType: "video/ulpfec" },
];
const mimes = (codecs) => codecs.map((c) => `${c.mimeType}${c.sdpFmtpLine?.includes("42001f") ? ":cb" : ""}`);

test("only what the hub forwards: VP8, constrained-baseline H.264 mode 1, and the helpers", () => {
  assert.deepEqual(mimes(forwardableVideoCodecs(CODECS)),
    ["video/VP8", "video/rtx", "video/H264:cb", "video/red", "video/ulpfec"]);
});

test("a forced codec keeps only it and the helpers", () => {
  assert.deepEqual(mimes(forwardableVideoCodecs(CODECS, "h264")), ["video/H264:cb", "video/rtx", "video/red", "video/ulpfec"]);
  assert.deepEqual(mimes(forwardableVideoCodecs(CODECS, "vp8")), ["video/VP8", "video/rtx", "video/red", "video/ulpfec"]);
});

test("no capabilities, nothing", () => {
  assert.deepEqual(forwardableVideoCodecs(undefined), []);
});
