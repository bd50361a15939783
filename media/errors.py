"""Named media errors."""


class MediaError(Exception):
    """Base class for media errors."""


class InvalidStateError(MediaError):
    """The object is closed, or not in a state that allows the call."""


class UnsupportedCodecError(MediaError):
    """Nothing in the offer is a codec this hub forwards (VP8, H.264 CB pm=1, Opus)."""


class InvalidSdpError(MediaError):
    """An SDP that can't be parsed or applied."""


class TooManyProducersError(MediaError):
    """An offer would open more producers on one transport than allowed."""
