"""GB/T 28181 (2016, with what 2022 changed that matters) as the upper platform.

sip_message, digest, manscdp, ptz, sdp: pure protocol modules. sip_ua: SIP over
UDP/TCP with transactions. platform: registration, keepalive, queries, control.
live: INVITE/ACK/BYE and camera sources (media.PsRtpSource). registry: the
in-memory state with observer events. See docs/cameras.md.
"""
