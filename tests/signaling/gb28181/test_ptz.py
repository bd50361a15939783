"""PTZCmd: the 8-byte command of GB/T 28181 annex A.3, checked both ways."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signaling.gb28181.ptz import PtzCommand, PtzError, move, preset, stop


def test_known_commands() -> None:
    # byte 2 = 0F (version 0, nibble checksum of A+5), byte 8 = sum of bytes 1-7
    assert stop().to_hex() == "A50F0100000000B5"
    right = move(pan=1, speed=0xFF)
    assert right.to_hex() == "A50F0101FF0000B5"
    assert move(tilt=1, speed=0x80).to_hex()[6:8] == "08"  # up
    assert move(pan=-1, tilt=-1, speed=0x10).to_hex()[6:8] == "06"  # left + down
    assert move(zoom=1, zoom_speed=3).to_hex()[6:8] == "10"  # zoom in
    assert move(zoom=-1).to_hex()[6:8] == "20"  # zoom out
    assert preset("call", 5).to_hex()[6:12] == "820005"


def test_parse_checks_both_checksums() -> None:
    assert PtzCommand.from_hex("A50F0101FF0000B5") == move(pan=1, speed=0xFF)
    for bad in ("A50F0101FF0000B6", "A50E0101FF0000B4", "A50F01", "zz", "B50F0100000000B5"):
        with pytest.raises(PtzError):
            PtzCommand.from_hex(bad)
    with pytest.raises(PtzError):
        preset("jump", 1)
    with pytest.raises(PtzError):
        PtzCommand(0x100).to_hex()


@given(
    st.integers(0, 255), st.integers(0, 255), st.integers(0, 255),
    st.integers(0, 15), st.integers(0, 0xFFF),
)  # fmt: skip
def test_round_trip(instruction: int, d1: int, d2: int, d3: int, address: int) -> None:
    command = PtzCommand(instruction, d1, d2, d3, address)
    text = command.to_hex()
    assert len(text) == 16 and PtzCommand.from_hex(text) == command
