"""SRTP protect/unprotect on pylibsrtp's sessions, without its per-call wrapper.

pylibsrtp's `Session.protect` allocates an `int *` per packet, type-checks and
raises through two Python calls around the one C call that does the work: about
a third of the cost of protecting a 1,100-byte packet. The forwarding path calls
it once per packet per subscriber, so we make the C call ourselves, on the
session's own buffer, and answer None where pylibsrtp would raise (a replayed,
forged or oversized packet: the caller drops it, the way a router drops a bad
datagram).

pylibsrtp is pinned with aiortc (pyproject.toml); `check()` (run by
tests/media/test_aiortc_taps.py) fails loudly if the internals used here move.
"""

from __future__ import annotations

from collections.abc import Callable

import pylibsrtp
from pylibsrtp import _binding

Transform = Callable[[bytes], "bytes | None"]


def _transform(session: pylibsrtp.Session, func: object, trailer: int) -> Transform:
    srtp = session._srtp[0]
    cdata = session._cdata
    buffer = session._buffer
    limit = len(buffer) - trailer
    length = _binding.ffi.new("int *")
    call: Callable[..., int] = func  # type: ignore[assignment]

    def transform(data: bytes) -> bytes | None:
        size = len(data)
        if size > limit:
            return None
        buffer[0:size] = data
        length[0] = size
        if call(srtp, cdata, length):  # libsrtp: 0 is srtp_err_status_ok
            return None
        result: bytes = buffer[0 : length[0]]
        return result

    transform.session = session  # type: ignore[attr-defined]  # (keeps it alive)
    return transform


def protector(session: pylibsrtp.Session) -> Transform:
    return _transform(session, _binding.lib.srtp_protect, pylibsrtp.SRTP_MAX_TRAILER_LEN)


def rtcp_protector(session: pylibsrtp.Session) -> Transform:
    return _transform(session, _binding.lib.srtp_protect_rtcp, pylibsrtp.SRTP_MAX_SRTCP_TRAILER_LEN)


def unprotector(session: pylibsrtp.Session) -> Transform:
    return _transform(session, _binding.lib.srtp_unprotect, 0)


def check() -> None:
    """Raise AiortcInternalsChanged unless a pylibsrtp session still works this way:
    a packet protected here unprotects with pylibsrtp's own call, and back."""
    from media._aiortc_taps import AiortcInternalsChanged  # (it imports us)

    key = bytes(range(30))
    policy = pylibsrtp.Policy
    tx = pylibsrtp.Session(policy(key=key, ssrc_type=policy.SSRC_ANY_OUTBOUND))
    rx = pylibsrtp.Session(policy(key=key, ssrc_type=policy.SSRC_ANY_INBOUND))
    for name in ("SRTP_MAX_TRAILER_LEN", "SRTP_MAX_SRTCP_TRAILER_LEN"):
        if not isinstance(getattr(pylibsrtp, name, None), int):
            raise AiortcInternalsChanged(f"pylibsrtp.{name} is gone")
    for name in ("_srtp", "_cdata", "_buffer"):
        if not hasattr(tx, name):
            raise AiortcInternalsChanged(f"pylibsrtp.Session.{name} is gone")
    packet = b"\x80\x60\x00\x01" + b"\x00" * 8 + b"payload"
    protected = protector(tx)(packet)
    if protected is None or rx.unprotect(protected) != packet:
        raise AiortcInternalsChanged("pylibsrtp: protecting on the session's buffer fails")
    again = pylibsrtp.Session(policy(key=key, ssrc_type=policy.SSRC_ANY_OUTBOUND)).protect(packet)
    fresh = pylibsrtp.Session(policy(key=key, ssrc_type=policy.SSRC_ANY_INBOUND))
    if unprotector(fresh)(again) != packet or unprotector(fresh)(again) is not None:
        raise AiortcInternalsChanged("pylibsrtp: unprotecting on the session's buffer fails")
