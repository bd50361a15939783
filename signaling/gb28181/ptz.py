"""The PTZ command of GB/T 28181 annex A.3: 8 bytes, written as 16 hex digits. Pure.

byte 1  A5h
byte 2  version (high nibble, 0) | checksum of the nibbles before (low nibble)
byte 3  address, low 8 bits
byte 4  instruction: 0 0 zoom-out zoom-in up down left right (A.3.2), or
        40h|focus/iris bits (A.3.3), 81h/82h/83h preset set/call/delete (A.3.4)
byte 5  data 1: pan speed (0-255), or 0 for presets
byte 6  data 2: tilt speed (0-255), or the preset number
byte 7  data 3 in the high nibble (zoom speed 0-15) | address, high 4 bits
byte 8  checksum: the sum of bytes 1-7, modulo 256
"""

from __future__ import annotations

from dataclasses import dataclass

ZOOM_OUT = 0x20
ZOOM_IN = 0x10
UP = 0x08
DOWN = 0x04
LEFT = 0x02
RIGHT = 0x01
FOCUS_IRIS = 0x40
IRIS_CLOSE, IRIS_OPEN, FOCUS_NEAR, FOCUS_FAR = 0x08, 0x04, 0x02, 0x01
PRESET_SET, PRESET_CALL, PRESET_DELETE = 0x81, 0x82, 0x83


class PtzError(ValueError):
    """A command that can't be built or doesn't check."""


@dataclass(frozen=True, slots=True)
class PtzCommand:
    instruction: int
    data1: int = 0
    data2: int = 0
    data3: int = 0  # 4 bits
    address: int = 1  # 12 bits

    def to_hex(self) -> str:
        limits = (
            ("instruction", self.instruction, 0xFF),
            ("data1", self.data1, 0xFF),
            ("data2", self.data2, 0xFF),
            ("data3", self.data3, 0x0F),
            ("address", self.address, 0xFFF),
        )
        for name, value, top in limits:
            if not 0 <= value <= top:
                raise PtzError(f"{name} out of range: {value}")
        first = 0xA5
        second = 0x00 | (((first >> 4) + (first & 0x0F) + 0) & 0x0F)
        body = [
            first,
            second,
            self.address & 0xFF,
            self.instruction,
            self.data1,
            self.data2,
            (self.data3 << 4) | (self.address >> 8),
        ]
        return bytes([*body, sum(body) & 0xFF]).hex().upper()

    @classmethod
    def from_hex(cls, text: str) -> PtzCommand:
        try:
            raw = bytes.fromhex(text.strip())
        except ValueError:
            raise PtzError("not hex") from None
        if len(raw) != 8 or raw[0] != 0xA5:
            raise PtzError("not an 8-byte A5 command")
        if raw[1] & 0x0F != ((0xA + 0x5 + (raw[1] >> 4)) & 0x0F):
            raise PtzError("byte 2 checksum mismatch")
        if sum(raw[:7]) & 0xFF != raw[7]:
            raise PtzError("checksum mismatch")
        return cls(raw[3], raw[4], raw[5], raw[6] >> 4, raw[2] | ((raw[6] & 0x0F) << 8))

    # -- readable views ------------------------------------------------------------------
    @property
    def is_stop(self) -> bool:
        return self.instruction == 0


def move(pan: int = 0, tilt: int = 0, zoom: int = 0, *, speed: int = 0x80,
         zoom_speed: int = 0x8, address: int = 1) -> PtzCommand:  # fmt: skip
    """pan -1 left / +1 right, tilt -1 down / +1 up, zoom -1 out / +1 in; all 0 = stop."""
    instruction = 0
    instruction |= RIGHT if pan > 0 else LEFT if pan < 0 else 0
    instruction |= UP if tilt > 0 else DOWN if tilt < 0 else 0
    instruction |= ZOOM_IN if zoom > 0 else ZOOM_OUT if zoom < 0 else 0
    return PtzCommand(
        instruction,
        data1=speed if pan else 0,
        data2=speed if tilt else 0,
        data3=zoom_speed if zoom else 0,
        address=address,
    )


def stop(address: int = 1) -> PtzCommand:
    return PtzCommand(0, address=address)


def preset(action: str, number: int, address: int = 1) -> PtzCommand:
    codes = {"set": PRESET_SET, "call": PRESET_CALL, "delete": PRESET_DELETE}
    if action not in codes:
        raise PtzError(f"preset action must be one of {sorted(codes)}")
    if not 1 <= number <= 255:
        raise PtzError("preset number must be 1-255")
    return PtzCommand(codes[action], 0, number, address=address)
