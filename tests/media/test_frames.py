from media.frames import H264, OPUS, VP8, EncodedFrame, MediaCodec, is_keyframe
from tests.media.fixtures import encoded_video


def test_keyframes_are_found_in_real_encoder_output() -> None:
    for encoder, mime in (("libvpx", VP8), ("libx264", H264)):
        flags = [is_keyframe(mime, f) for f in encoded_video(encoder)]
        assert flags[0] is True, mime
        assert flags.count(True) == 3, (mime, flags.count(True))  # GOP 30 over 90 frames
        assert flags[30] and flags[60]


def test_garbage_is_never_a_keyframe_and_never_raises() -> None:
    for data in (b"", b"\x00", b"\x00\x00\x01", b"\x01" * 10, b"\x00\x00\x01\x41" * 3):
        assert is_keyframe(VP8, data) is (len(data) >= 3 and data[0] & 1 == 0)
        assert is_keyframe(H264, data) is False
    assert is_keyframe(OPUS, b"") is True


def test_packet_is_built_once_and_shared() -> None:
    frame = EncodedFrame(b"\x10abc", 3000, MediaCodec(VP8, 90000))
    packet = frame.as_packet()
    assert frame.as_packet() is packet
    assert bytes(packet) == b"\x10abc" and packet.pts == 3000
    assert packet.time_base.denominator == 90000
