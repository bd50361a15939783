"""MANSCDP: the XML bodies of GB/T 28181 MESSAGE/NOTIFY (Application/MANSCDP+xml). Pure.

Devices declare GB2312 (2016) or GB18030 (2022) and sometimes send UTF-8 under
either; Python's expat reads neither multi-byte encoding, so bodies are decoded
here (GB18030 is a superset of GB2312 and GBK) and parsed as text. DOCTYPE and
entity declarations are refused outright (no entity expansion, no external
fetches); sizes are bounded. What we send declares GB2312 to 2016 devices and
GB18030 to 2022 devices (X-GB-Ver: 3.0); our own queries are ASCII either way.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

MAX_BODY = 256 * 1024
MAX_ITEMS_PER_PAGE = 1000
CONTENT_TYPE = "Application/MANSCDP+xml"

_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_.-]+)[\"'][^>]*\?>")
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "euc-cn", "x-gbk", "gb_2312-80"}


class ManscdpError(ValueError):
    """A body that is not acceptable MANSCDP XML."""


@dataclass
class ManscdpMessage:
    kind: str  # the root: "Query", "Response", "Notify", "Control"
    cmd_type: str
    sn: int
    device_id: str
    root: ET.Element

    def text(self, path: str, default: str = "") -> str:
        node = self.root.find(path)
        return (node.text or "").strip() if node is not None and node.text else default


def decode_body(body: bytes) -> str:
    """The body as text: the declared encoding (the GB family read as GB18030),
    else UTF-8, else GB18030; undecodable bytes replaced, never raised."""
    if len(body) > MAX_BODY:
        raise ManscdpError("body too large")
    match = _DECLARATION.match(body)
    declared = match.group(1).decode("ascii").lower() if match else ""
    candidates = ["gb18030", "utf-8"] if declared in _GB_FAMILY else ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    return body.decode("gb18030", errors="replace")


def parse_manscdp(body: bytes) -> ManscdpMessage:
    text = decode_body(body)
    upper = text.upper()
    if "<!DOCTYPE" in upper or "<!ENTITY" in upper:
        raise ManscdpError("DOCTYPE/ENTITY declarations are not accepted")
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    # devices put raw '&' in names ("A&B 路口"): escape those that start no entity
    text = re.sub(r"&(?!(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);)", "&amp;", text)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise ManscdpError(f"not well-formed XML: {error}") from None
    cmd = root.find("CmdType")
    if cmd is None or not (cmd.text or "").strip():
        raise ManscdpError("no CmdType")
    sn_text = (root.findtext("SN") or "").strip()
    if not sn_text.isdigit() or len(sn_text) > 10:
        raise ManscdpError("SN missing or not a number")
    device_id = (root.findtext("DeviceID") or "").strip()
    if not device_id or len(device_id) > 64:
        raise ManscdpError("DeviceID missing")
    return ManscdpMessage(root.tag, cmd.text.strip(), int(sn_text), device_id, root)  # type: ignore[union-attr]


def build(kind: str, cmd_type: str, sn: int, device_id: str, *, version: str = "2.0",
          fields: list[tuple[str, str]] | None = None) -> bytes:  # fmt: skip
    """A MANSCDP document; `fields` are (tag, text) children after DeviceID
    (text may be raw XML when the tag ends with '/', e.g. ("Info/", "<X>1</X>"))."""
    encoding = "GB18030" if version.startswith("3") else "GB2312"
    root = ET.Element(kind)
    ET.SubElement(root, "CmdType").text = cmd_type
    ET.SubElement(root, "SN").text = str(sn)
    ET.SubElement(root, "DeviceID").text = device_id
    for tag, value in fields or []:
        if tag.endswith("/"):
            child = ET.fromstring(f"<{tag[:-1]}>{value}</{tag[:-1]}>")
            root.append(child)
        else:
            ET.SubElement(root, tag).text = value
    xml = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="{encoding}"?>\r\n{xml}\r\n'.encode("gb18030")


# -- what devices tell us -----------------------------------------------------------------
@dataclass
class CatalogItem:
    """One entry of a catalogue: a camera channel, or an organisation node
    (civil area, business group, virtual organisation) of a lower platform."""

    device_id: str
    name: str = ""
    manufacturer: str = ""
    model: str = ""
    owner: str = ""
    civil_code: str = ""
    address: str = ""
    parental: bool = False
    parent_id: str = ""
    status: str = ""  # "ON" / "OFF" (2016 also "OK"), as the device says
    longitude: float | None = None
    latitude: float | None = None
    ptz_type: int | None = None  # 1 ball, 2 half ball, 3 fixed, 4 remote-control box
    ip_address: str = ""
    business_group_id: str = ""
    event: str = ""  # in catalogue notifications: ON OFF VLOST DEFECT ADD DEL UPDATE
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def online(self) -> bool:
        return self.status.upper() in ("ON", "OK", "ONLINE")

    @property
    def type_code(self) -> str:
        """Digits 11-13 of a 20-digit id: 131/132 cameras, 200 platform, 215 group ..."""
        return self.device_id[10:13] if len(self.device_id) == 20 else ""


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def catalog_items(message: ManscdpMessage) -> tuple[int | None, list[CatalogItem]]:
    """(SumNum, the items of this page) from a Catalog response or notification."""
    sum_text = message.text("SumNum")
    total = int(sum_text) if sum_text.isdigit() else None
    items: list[CatalogItem] = []
    device_list = message.root.find("DeviceList")
    if device_list is None:
        return total, items
    for node in device_list.findall("Item")[:MAX_ITEMS_PER_PAGE]:
        values = {child.tag: (child.text or "").strip() for child in node if len(child) == 0}
        device_id = values.pop("DeviceID", "")
        if not device_id or len(device_id) > 64:
            continue
        info = node.find("Info")
        ptz = values.pop("PTZType", "") or (
            info.findtext("PTZType", "") if info is not None else ""
        )
        items.append(
            CatalogItem(
                device_id=device_id,
                name=values.pop("Name", ""),
                manufacturer=values.pop("Manufacturer", ""),
                model=values.pop("Model", ""),
                owner=values.pop("Owner", ""),
                civil_code=values.pop("CivilCode", ""),
                address=values.pop("Address", ""),
                parental=values.pop("Parental", "0") == "1",
                parent_id=values.pop("ParentID", ""),
                status=values.pop("Status", ""),
                longitude=_float(values.pop("Longitude", "")),
                latitude=_float(values.pop("Latitude", "")),
                ptz_type=int(ptz) if ptz.strip().isdigit() else None,
                ip_address=values.pop("IPAddress", ""),
                business_group_id=values.pop("BusinessGroupID", ""),
                event=values.pop("Event", "").upper(),
                extra={k: v[:256] for k, v in list(values.items())[:32]},
            )
        )
    return total, items


def flat_fields(message: ManscdpMessage) -> dict[str, str]:
    """The simple children of a DeviceInfo / DeviceStatus response, as text."""
    return {
        child.tag: (child.text or "").strip()
        for child in message.root
        if len(child) == 0 and child.tag not in ("CmdType", "SN", "DeviceID")
    }
