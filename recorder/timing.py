"""Where a recording's media timestamps fall in wall-clock time: the timing map.

Two clocks are stored with every segment (see docs/evidence.md):

- the hub's: `start`, when the segment's first frame arrived (Unix seconds), and
- the sender's: `sender_clock`, an RTCP sender report's (media timestamp, sender
  wall clock) pair. A sender stamps its audio and its video from one clock, so
  this is what keeps one participant's lips and voice together, exactly as
  captured, whatever the network did to each track.

Tracks of one participant are placed on the hub's clock through their sender's
clock plus one offset per participant: the smallest (arrival - sender time) over
all of its segments, i.e. the frame that came with the least delay. Tracks with
no sender report (a DirectTransport producer, a sender that never sent one) fall
back to arrival time, segment by segment.

    timeline = Timeline(manifest)             # manifest.json or state.json dict
    timeline.wall(track_id, media_timestamp)  # -> Unix seconds, hub clock
    timeline.segment_start(segment)           # -> where the segment begins
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class _Segment:
    seq: int
    track: str
    start: float  # hub arrival of its first frame
    first_ts: int
    last_ts: int
    clock_rate: int
    sender_clock: tuple[int, float] | None


class Timeline:
    def __init__(self, manifest: dict[str, Any]) -> None:
        tracks: dict[str, dict[str, Any]] = manifest.get("tracks", {})
        self._segments: dict[str, list[_Segment]] = defaultdict(list)
        for raw in manifest.get("segments", []):
            clock = raw.get("sender_clock")
            segment = _Segment(
                seq=int(raw["seq"]),
                track=str(raw["track"]),
                start=float(raw["start"]),
                first_ts=int(raw["first_ts"]),
                last_ts=int(raw["last_ts"]),
                clock_rate=int(raw["clock_rate"]),
                sender_clock=(int(clock[0]), float(clock[1])) if clock else None,
            )
            self._segments[segment.track].append(segment)
        for segments in self._segments.values():
            segments.sort(key=lambda s: s.first_ts)
        self._sender_of = {
            track: str(tracks.get(track, {}).get("participant_id") or f"track:{track}")
            for track in self._segments
        }
        self._offset: dict[str, float] = {}  # sender -> hub clock minus sender clock
        for track, segments in self._segments.items():
            for segment in segments:
                sender_time = self._sender_time(track, segment.first_ts)
                if sender_time is None:
                    continue
                sender = self._sender_of[track]
                offset = segment.start - sender_time
                self._offset[sender] = min(offset, self._offset.get(sender, offset))

    def _clock_near(self, track: str, ts: int) -> tuple[tuple[int, float], int] | None:
        """The sender report nearest to `ts` among the track's segments."""
        best: tuple[tuple[int, float], int] | None = None
        for segment in self._segments.get(track, []):
            if segment.sender_clock is None:
                continue
            if best is None or abs(segment.sender_clock[0] - ts) < abs(best[0][0] - ts):
                best = (segment.sender_clock, segment.clock_rate)
        return best

    def _sender_time(self, track: str, ts: int) -> float | None:
        found = self._clock_near(track, ts)
        if found is None:
            return None
        (clock_ts, clock_unix), rate = found
        return clock_unix + (ts - clock_ts) / rate

    def uses_sender_clock(self, track: str) -> bool:
        return self._clock_near(track, 0) is not None

    def wall(self, track: str, ts: int) -> float:
        """Wall-clock time (Unix s, the hub's clock) of media timestamp `ts`."""
        sender_time = self._sender_time(track, ts)
        if sender_time is not None:
            return sender_time + self._offset[self._sender_of[track]]
        segments = self._segments.get(track)
        if not segments:
            raise KeyError(f"no segments for track {track}")
        containing = segments[0]
        for segment in segments:
            if segment.first_ts <= ts:
                containing = segment
        return containing.start + (ts - containing.first_ts) / containing.clock_rate

    def segment_start(self, segment: dict[str, Any]) -> float:
        return self.wall(str(segment["track"]), int(segment["first_ts"]))
