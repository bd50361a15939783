"""Which simulcast layer a video consumer forwards: the subscriber's preference,
capped by what its bandwidth feedback says fits, among the layers the
publisher is actually sending. Pure logic (the clock is passed in)."""

from __future__ import annotations

LOSS_DOWN = 0.10  # fraction lost in a receiver report that forces a layer down
LOSS_UP = 0.02  # ... and below which we may try one up again
REMB_DOWN = 0.75  # estimate below this share of the current layer's bitrate: down
UP_AFTER_S = 8.0  # first retry of a higher layer after a down-switch
UP_AFTER_MAX_S = 60.0  # retries back off to this
FAILED_UP_S = 5.0  # a down-switch this soon after going up means going up failed


class LayerSelector:
    def __init__(self, layers: int) -> None:
        self.layers = layers
        self.preferred: int | None = None  # None: the highest
        self.cap: int | None = None  # bandwidth cap (None: none)
        self._capped_at = 0.0
        self._raised_at = -1e9
        self._up_after = UP_AFTER_S
        self._loss = 0.0

    def prefer(self, layer: int | None) -> None:
        self.preferred = None if layer is None else max(0, min(layer, self.layers - 1))

    def target(self, active: list[int], now: float) -> int:
        """The layer to forward, given the layers being received (ascending)."""
        if self.cap is not None and self._loss < LOSS_UP and now - self._capped_at > self._up_after:
            self._raise(now)
        want = self.layers - 1 if self.preferred is None else self.preferred
        if self.cap is not None:
            want = min(want, self.cap)
        if not active:
            return want
        below = [layer for layer in active if layer <= want]
        return max(below) if below else min(active)

    def feedback(
        self,
        *,
        current: int | None,
        rates: list[float],
        remb_bps: int | None,
        fraction_lost: float | None,
        now: float,
    ) -> None:
        """A receiver report (fraction_lost) or a REMB from the subscriber."""
        if current is None:
            return
        if fraction_lost is not None:
            self._loss = fraction_lost
        too_lossy = fraction_lost is not None and fraction_lost > LOSS_DOWN
        rate = rates[current] if current < len(rates) else 0.0
        too_slow = remb_bps is not None and rate > 0 and remb_bps < REMB_DOWN * rate
        if (too_lossy or too_slow) and current > 0:
            if now - self._raised_at < FAILED_UP_S:
                self._up_after = min(self._up_after * 2, UP_AFTER_MAX_S)
            self.cap = current - 1
            self._capped_at = now

    def _raise(self, now: float) -> None:
        assert self.cap is not None
        self.cap += 1
        self._raised_at = self._capped_at = now
        if self.cap >= self.layers - 1:
            self.cap = None
