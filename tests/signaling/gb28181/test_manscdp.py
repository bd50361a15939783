"""MANSCDP bodies: GB2312/GB18030 declared (and lied about), catalogues, refusals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaling.gb28181.manscdp import (
    ManscdpError,
    build,
    catalog_items,
    decode_body,
    flat_fields,
    parse_manscdp,
)
from signaling.gb28181.sdp import SdpError, offer, parse_answer, ssrc_text

CATALOG = """<?xml version="1.0" encoding="GB2312"?>
<Response><CmdType>Catalog</CmdType><SN>17</SN><DeviceID>34020000001180000001</DeviceID>
<SumNum>2</SumNum><DeviceList Num="2">
<Item><DeviceID>34020000001320000001</DeviceID><Name>人民路&解放路口</Name>
<Parental>0</Parental><ParentID>34020000001180000001</ParentID><Status>ON</Status>
<Longitude>117.2</Longitude><Info><PTZType>1</PTZType></Info></Item>
<Item><DeviceID>34020000001320000002</DeviceID><Name>菜市场东门</Name><Status>OFF</Status></Item>
</DeviceList></Response>"""


@pytest.mark.parametrize("encoding", ["gb2312", "gb18030", "utf-8"])
def test_catalogue_in_any_encoding_the_devices_use(encoding: str) -> None:
    # declared GB2312 but sent as UTF-8 happens: the decoder falls back
    message = parse_manscdp(CATALOG.encode(encoding))
    assert (message.kind, message.cmd_type, message.sn) == ("Response", "Catalog", 17)
    total, items = catalog_items(message)
    assert total == 2 and [i.name for i in items] == ["人民路&解放路口", "菜市场东门"]
    assert items[0].online and not items[1].online
    assert items[0].ptz_type == 1 and items[0].longitude == 117.2
    assert items[0].type_code == "132"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<Query>",
        b"<Query><SN>1</SN><DeviceID>1</DeviceID></Query>",
        b"<Query><CmdType>Catalog</CmdType><SN>x</SN><DeviceID>1</DeviceID></Query>",
        b"<Query><CmdType>Catalog</CmdType><SN>1</SN></Query>",
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">]><Query>&a;</Query>',
        b"<!ENTITY x SYSTEM 'file:///etc/passwd'>",
        b"x" * 300_000,
    ],
)
def test_bad_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(ManscdpError):
        parse_manscdp(body)


def test_built_queries_parse_back() -> None:
    body = build("Query", "Catalog", 5, "34020000001320000001", version="3.0")
    assert body.startswith(b'<?xml version="1.0" encoding="GB18030"?>')
    message = parse_manscdp(body)
    assert message.cmd_type == "Catalog" and message.sn == 5
    control = build("Control", "DeviceControl", 6, "1", fields=[("PTZCmd", "A50F0100000000B5"),
                    ("Info/", "<ControlPriority>5</ControlPriority>")])  # fmt: skip
    parsed = parse_manscdp(control)
    assert parsed.text("PTZCmd") == "A50F0100000000B5"
    assert parsed.text("Info/ControlPriority") == "5"
    assert flat_fields(parsed) == {"PTZCmd": "A50F0100000000B5"}
    assert decode_body("名称".encode("gb18030")) == "名称"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=500))
def test_noise_is_refused_never_raised_otherwise(data: bytes) -> None:
    try:
        catalog_items(parse_manscdp(data))
    except ManscdpError:
        pass


def test_sdp_offer_and_answer() -> None:
    assert ssrc_text("34020000002000000001", 7) == "0200000007"
    text = offer(platform_id="34020000002000000001", host="10.0.0.2", port=30000,
                 transport="tcp", ssrc="0200000007", stream_number=0)  # fmt: skip
    assert "m=video 30000 TCP/RTP/AVP 96" in text and "a=setup:passive" in text
    assert "y=0200000007" in text and "a=streamnumber:0" in text
    answer = parse_answer(
        "v=0\r\nc=IN IP4 10.0.0.9\r\nm=video 15060 TCP/RTP/AVP 96\r\na=setup:active\r\n"
        "a=rtpmap:96 PS/90000\r\ny=0200000007\r\nf=v/2/5/25/1/4096a///\r\n"
    )
    assert (answer.host, answer.port, answer.transport, answer.ssrc) == (
        "10.0.0.9",
        15060,
        "tcp",
        200000007,
    )
    assert (
        answer.setup == "active"
        and answer.payload_types == {96: "PS"}
        and answer.video_codec == "h264"
    )
    for bad in ("v=0\r\n", "m=video x RTP/AVP 96\r\n", "m=video 1 RTP/AVP 96\r\ny=99999999999\r\n"):
        with pytest.raises(SdpError):
            parse_answer(bad)
