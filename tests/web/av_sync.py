"""Lip-sync probe: a camera and microphone that flash and beep together, and the
analysis that finds the flashes and beeps again in recorded segments.

FLASH_AND_BEEP replaces the page's getUserMedia: a canvas that turns white and an
oscillator that sounds for the first 150 ms of every second of one AudioContext
clock, so in what the browser sends each flash starts with its beep. Decoding
the recording afterwards (here, in the test; the recorder never decodes) gives
each track's onsets as media timestamps, which the recording's timing map turns
into wall-clock times.
"""

from __future__ import annotations

import array
import math
from pathlib import Path
from typing import Any

import av

FLASH_AND_BEEP = """
(() => {
  const make = () => {
    const audio = new AudioContext({ sampleRate: 48000 });
    const resume = () => audio.resume();
    document.addEventListener("pointerdown", resume, true);
    document.addEventListener("click", resume, true);
    const tone = audio.createOscillator();
    tone.frequency.value = 1000;
    const gain = audio.createGain();
    gain.gain.value = 0;
    const out = audio.createMediaStreamDestination();
    tone.connect(gain).connect(out);
    tone.start();
    let scheduled = 0;
    const canvas = document.createElement("canvas");
    canvas.width = 320;
    canvas.height = 240;
    const g = canvas.getContext("2d");
    const video = canvas.captureStream(30);
    setInterval(() => {
      const now = audio.currentTime;
      for (let s = Math.max(scheduled, Math.ceil(now)); s < now + 2; s += 1) {
        gain.gain.setValueAtTime(1, s);
        gain.gain.setValueAtTime(0, s + 0.15);
        scheduled = s + 1;
      }
      const lit = audio.state === "running" && now % 1 < 0.15;
      g.fillStyle = lit ? "#fff" : "#000";
      g.fillRect(0, 0, 320, 240);
    }, 5);
    return new MediaStream([...video.getVideoTracks(), ...out.stream.getAudioTracks()]);
  };
  let stream = null;
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    stream = stream || make();
    const tracks = [];
    if (constraints.video) tracks.push(...stream.getVideoTracks());
    if (constraints.audio) tracks.push(...stream.getAudioTracks());
    return new MediaStream(tracks);
  };
})();
"""


def _onsets(levels: list[tuple[float, float]], low: float, high: float) -> list[float]:
    """Times where the level rises above `high` after having been below `low`."""
    found, armed = [], False
    for t, level in levels:
        if level < low:
            armed = True
        elif level > high and armed:
            found.append(t)
            armed = False
    return found


def flash_onsets(segment: Path, first_ts: int, clock_rate: int) -> list[int]:
    """Media timestamps of the frames where the picture turns from dark to white."""
    levels: list[tuple[float, float]] = []
    with av.open(str(segment)) as container:
        for frame in container.decode(video=0):
            luma = bytes(frame.planes[0])[::61]
            levels.append((float(frame.time or 0.0), sum(luma) / len(luma)))
    return [first_ts + round(t * clock_rate) for t in _onsets(levels, 60, 180)]


def beep_onsets(segment: Path, first_ts: int, clock_rate: int) -> list[int]:
    """Media timestamps where the tone starts (5 ms RMS windows)."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
    levels: list[tuple[float, float]] = []
    with av.open(str(segment)) as container:
        for frame in container.decode(audio=0):
            start = float(frame.time or 0.0)
            for out in resampler.resample(frame):
                samples = array.array("h", bytes(out.planes[0])[: out.samples * 2])
                for i in range(0, len(samples) - 239, 240):
                    window = samples[i : i + 240]
                    rms = math.sqrt(sum(x * x for x in window) / 240)
                    levels.append((start + i / 48000, rms))
    return [first_ts + round(t * clock_rate) for t in _onsets(levels, 300, 3000)]


def lip_sync_offsets(
    directory: Path, manifest: dict[str, Any], participant_id: str, timeline: Any
) -> list[float]:
    """For each flash of the participant's video, audio onset minus flash (s), on the
    recording's timing map."""
    tracks = {
        tid: t for tid, t in manifest["tracks"].items() if t["participant_id"] == participant_id
    }
    flashes: list[float] = []
    beeps: list[float] = []
    for segment in manifest["segments"]:
        track = tracks.get(segment["track"])
        if track is None:
            continue
        finder = flash_onsets if track["kind"] == "video" else beep_onsets
        found = finder(directory / segment["file"], segment["first_ts"], segment["clock_rate"])
        into = flashes if track["kind"] == "video" else beeps
        into += [timeline.wall(segment["track"], ts) for ts in found]
    offsets = []
    for flash in flashes:
        nearest = min(beeps, key=lambda b: abs(b - flash), default=None)
        if nearest is not None and abs(nearest - flash) < 0.5:
            offsets.append(nearest - flash)
    return offsets
