"""SIPp (Debian's sip-tester) playing a GB/T 28181 device or lower platform.

One SIPp process per device: the main scenario (UAC) registers with digest
authentication, sends keepalives and finally unregisters; the out-of-call
scenario (-oocsf) answers what the platform asks: Catalog (in pages, names in
GB18030), DeviceInfo, DeviceStatus, DeviceControl, and INVITE, after which it
starts ps_rtp_sender.py (FFmpeg `-f mpeg` cut into RTP) towards the port and
SSRC of our offer, over UDP or TCP as the offer says, and stops it on BYE.
What the device saw is written with <log> into a file the test reads.
Scenarios are generated per test, so the numbers (pages, keepalives, what to
answer) are parameters.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.services import free_port
from tests.simulators.ps import SENDER

ENCODING = "gb18030"
EMPTY = "\n      Content-Length: 0\n"


def _headers_out(method: str, cseq: str) -> str:
    return f"""{method} sip:[platform_id]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];rport;branch=[branch]
      From: <sip:[device_id]@[domain]>;tag=[pid]d[call_number]
      To: <sip:[platform_id]@[domain]>
      Call-ID: [call_id]
      CSeq: {cseq} {method}
      Max-Forwards: 70
      User-Agent: SIPp GB28181 device"""


def _reply(status: str = "200 OK", extra: str = "") -> str:
    lines = f"""SIP/2.0 {status}
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]r[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[device_id]@[local_ip]:[local_port]>"""
    return lines + (f"\n      {extra}" if extra else "")


def _cdata(text: str) -> str:
    return f"<![CDATA[\n      {text}\n    ]]>"


@dataclass
class Channel:
    channel_id: str
    name: str
    parent_id: str = ""
    status: str = "ON"


@dataclass
class DeviceScenario:
    device_id: str = "34020000001320000001"
    platform_id: str = "34020000002000000001"
    domain: str = "3402000000"
    password: str = "12345678"
    gb_version: str = "2.0"
    expect_register: str = "200"  # "403" for a device that must be refused
    keepalives: int = 1000
    keepalive_ms: int = 1000
    unregister: bool = True
    channels: list[Channel] = field(default_factory=list)
    page_size: int = 4
    # cameras made up by a SIPp loop after `channels` (SIPp reads at most 64 KB of
    # scenario, so thousands can't be written out): ids 340200000013200{10000+i},
    # named 监控点{10000+i}号·菜市场, parents taken in turn from generated_parents
    generated_cameras: int = 0
    generated_parents: tuple[str, ...] = ()
    invite_status: str = "200 OK"
    frames: int = 250  # what the media sender sends per INVITE
    device_bye_after_ms: int = 0  # the device ends each stream itself (BYE) this long after ACK
    manufacturer: str = "SIPp 模拟设备"

    # -- main scenario ------------------------------------------------------------------
    def register(self, cseq: int, expires: int) -> str:
        return _headers_out("REGISTER", str(cseq)).replace(
            "REGISTER sip:[platform_id]@[remote_ip]:[remote_port]",
            "REGISTER sip:[platform_id]@[domain]",
        ).replace("To: <sip:[platform_id]@[domain]>", "To: <sip:[device_id]@[domain]>") + (
            f"""
      Contact: <sip:[device_id]@[local_ip]:[local_port]>
      Expires: {expires}
      X-GB-Ver: {self.gb_version}"""
        )

    def main_xml(self) -> str:
        first = self.register(1, 3600) + "\n      Content-Length: 0\n"
        second = self.register(2, 3600) + "\n      [authentication]\n      Content-Length: 0\n"
        refused = self.expect_register != "200"
        parts = [
            '<?xml version="1.0" encoding="ISO-8859-1" ?>',
            '<scenario name="gb28181 device">',
            f'  <send retrans="500">{_cdata(first)}</send>',
        ]
        if refused:  # refused with or without a challenge first
            parts.append(f'  <recv response="{self.expect_register}" optional="true" next="no"/>')
        parts += [
            '  <recv response="401" auth="true"/>',
            f'  <send retrans="500">{_cdata(second)}</send>',
        ]
        if refused:
            parts += [
                f'  <recv response="{self.expect_register}"/>',
                '  <label id="no"/>',
                '  <nop><action><log message="REGISTER REFUSED"/></action></nop>',
                "</scenario>",
            ]
            return "\n".join(parts)
        keepalive = (
            _headers_out("MESSAGE", "[cseq]")
            + "\n      Content-Type: Application/MANSCDP+xml\n      Content-Length: [len]\n\n"
            + '      <?xml version="1.0" encoding="GB2312"?>\n'
            + "      <Notify><CmdType>Keepalive</CmdType><SN>[cseq]</SN>"
            + "<DeviceID>[device_id]</DeviceID><Status>OK</Status></Notify>\n"
        )
        parts += [
            '  <recv response="200"><action><log message="REGISTERED"/></action></recv>',
            '  <nop><action><assign assign_to="n" value="0"/></action></nop>',
            '  <label id="1"/>',
            f'  <send retrans="500">{_cdata(keepalive)}</send>',
            '  <recv response="200"/>',
            f'  <pause milliseconds="{self.keepalive_ms}"/>',
            "  <nop><action>",
            '    <add assign_to="n" value="1"/>',
            f'    <test assign_to="again" variable="n" compare="less_than"'
            f' value="{self.keepalives}"/>',
            "  </action></nop>",
            '  <nop next="1" test="again"/>',
        ]
        if self.unregister:
            bye = self.register(1000, 0) + "\n      [authentication]\n      Content-Length: 0\n"
            parts += [
                f'  <send retrans="500">{_cdata(bye)}</send>',
                '  <recv response="401" auth="true" optional="true" next="2"/>',
                '  <recv response="200" next="3"/>',
                '  <label id="2"/>',
                f'  <send retrans="500">{_cdata(bye.replace("CSeq: 1000", "CSeq: 1001"))}</send>',
                '  <recv response="200"/>',
                '  <label id="3"/>',
                '  <nop><action><log message="UNREGISTERED"/></action></nop>',
            ]
        parts.append("</scenario>")
        return "\n".join(parts)

    # -- out-of-call scenario: the platform's requests ----------------------------------------
    def _answer(self, cmd: str, body_fields: str) -> str:
        return (
            _headers_out("MESSAGE", "[cseq]")
            + "\n      Content-Type: Application/MANSCDP+xml\n      Content-Length: [len]\n\n"
            + '      <?xml version="1.0" encoding="GB18030"?>\n'
            + f"      <Response><CmdType>{cmd}</CmdType><SN>[$sn]</SN>"
            + f"<DeviceID>[device_id]</DeviceID>{body_fields}</Response>\n"
        )

    @property
    def catalog_total(self) -> int:
        return len(self.channels) + self.generated_cameras

    def _page(self, items: str, count: int) -> str:
        body = (
            f'<SumNum>{self.catalog_total}</SumNum><DeviceList Num="{count}">{items}</DeviceList>'
        )
        return self._answer("Catalog", body)

    @staticmethod
    def _item(channel_id: str, name: str, parent_id: str, status: str = "ON") -> str:
        return (
            f"<Item><DeviceID>{channel_id}</DeviceID><Name>{name}</Name>"
            f"<Manufacturer>SIPp</Manufacturer><Model>IPC</Model><Owner>0</Owner>"
            f"<CivilCode>340200</CivilCode><Address>{name}</Address>"
            f"<Parental>0</Parental><ParentID>{parent_id}</ParentID>"
            f"<RegisterWay>1</RegisterWay><Secrecy>0</Secrecy><Status>{status}</Status>"
            f"<Info><PTZType>1</PTZType></Info></Item>"
        )

    def catalog_xml(self) -> list[str]:
        """The scenario lines that send the catalogue: static pages, then a loop."""
        lines: list[str] = []
        for start in range(0, len(self.channels), self.page_size):
            chunk = self.channels[start : start + self.page_size]
            items = "".join(
                self._item(c.channel_id, c.name, c.parent_id or "[device_id]", c.status)
                for c in chunk
            )
            page = self._page(items, len(chunk))
            lines += [f'  <send retrans="500">{_cdata(page)}</send>', '  <recv response="200"/>']
        if not self.generated_cameras:
            return lines
        size = self.page_size
        assert self.generated_cameras % size == 0, "whole pages only"
        parents = self.generated_parents or ("[device_id]",)
        assert size % len(parents) == 0
        compute = "".join(
            '<add assign_to="cid" value="1"/><assignstr assign_to="cs" value="[$cid]"/>'
            f'<ereg regexp="^([0-9]+)" search_in="var" variable="cs" assign_to="w,id{k}"/>'
            for k in range(size)
        )
        items = "".join(
            self._item(
                f"340200000013200[$id{k}]", f"监控点[$id{k}]号·菜市场", parents[k % len(parents)]
            )
            for k in range(size)
        )
        lines += [
            '  <nop><action><assign assign_to="page" value="0"/>'
            '<assign assign_to="cid" value="9999"/></action></nop>',
            '  <label id="pages"/>',
            f"  <nop><action>{compute}</action></nop>",
            f'  <send retrans="500">{_cdata(self._page(items, size))}</send>',
            '  <recv response="200"/>',
            '  <nop><action><add assign_to="page" value="1"/>'
            '<test assign_to="more" variable="page" compare="less_than"'
            f' value="{self.generated_cameras // size}"/></action></nop>',
            '  <nop next="pages" test="more"/>',
        ]
        return lines

    def ooc_xml(self, workdir: Path) -> str:
        ok = _reply() + EMPTY
        parts = [
            '<?xml version="1.0" encoding="ISO-8859-1" ?>',
            '<scenario name="gb28181 device: requests from the platform">',
            '  <recv request="MESSAGE" optional="true" next="msg">',
            "    <action>",
            '      <ereg regexp="&lt;CmdType&gt;([A-Za-z]+)&lt;/CmdType&gt;" search_in="body"'
            ' check_it="true" assign_to="c0,cmd"/>',
            '      <ereg regexp="&lt;SN&gt;([0-9]+)&lt;/SN&gt;" search_in="body"'
            ' check_it="true" assign_to="s0,sn"/>',
            '      <ereg regexp="&lt;PTZCmd&gt;([0-9A-Fa-f]+)&lt;/PTZCmd&gt;" search_in="body"'
            ' assign_to="p0,ptz"/>',
            "    </action>",
            "  </recv>",
            '  <recv request="INVITE" next="invite">',
            "    <action>",
            '      <ereg regexp="c=IN IP4 ([0-9.]+)" search_in="body" check_it="true"'
            ' assign_to="i0,ip"/>',
            '      <ereg regexp="m=video ([0-9]+) ([A-Z/]+)" search_in="body" check_it="true"'
            ' assign_to="m0,port,proto"/>',
            '      <ereg regexp="y=([0-9]+)" search_in="body" check_it="true"'
            ' assign_to="y0,ssrc"/>',
            "    </action>",
            "  </recv>",
            # -- MESSAGE: answer 200, then what the command asks for
            '  <label id="msg"/>',
            f"  <send>{_cdata(ok)}</send>",
            '  <nop><action><log message="QUERY [$cmd] SN=[$sn] PTZ=[$ptz]"/>',
            '    <log message="(matched: [$c0] [$s0] [$p0])"/>',
            '    <strcmp assign_to="d1" variable="cmd" value="Catalog"/>',
            '    <test assign_to="is_catalog" variable="d1" compare="equal" value="0"/>',
            '    <strcmp assign_to="d2" variable="cmd" value="DeviceInfo"/>',
            '    <test assign_to="is_info" variable="d2" compare="equal" value="0"/>',
            '    <strcmp assign_to="d3" variable="cmd" value="DeviceStatus"/>',
            '    <test assign_to="is_status" variable="d3" compare="equal" value="0"/>',
            "  </action></nop>",
            '  <nop next="catalog" test="is_catalog"/>',
            '  <nop next="info" test="is_info"/>',
            '  <nop next="status" test="is_status"/>',
            '  <nop next="end"/>',
            '  <label id="catalog"/>',
        ]
        parts += self.catalog_xml()
        info = self._answer(
            "DeviceInfo",
            f"<DeviceName>{self.manufacturer}</DeviceName><Result>OK</Result>"
            f"<Manufacturer>{self.manufacturer}</Manufacturer><Model>GB-SIM</Model>"
            f"<Firmware>3.6.1</Firmware><Channel>{self.catalog_total}</Channel>",
        )
        status = self._answer(
            "DeviceStatus",
            "<Result>OK</Result><Online>ONLINE</Online><Status>OK</Status>"
            "<Encode>ON</Encode><Record>OFF</Record><DeviceTime>2026-11-27T07:00:00</DeviceTime>",
        )
        parts += [
            '  <nop next="end"/>',
            '  <label id="info"/>',
            f'  <send retrans="500">{_cdata(info)}</send>',
            '  <recv response="200"/>',
            '  <nop next="end"/>',
            '  <label id="status"/>',
            f'  <send retrans="500">{_cdata(status)}</send>',
            '  <recv response="200"/>',
            '  <nop next="end"/>',
        ]
        # -- INVITE: answer with our own SDP, start the media on ACK, stop it on BYE
        pidfile = workdir / "sender-[$ssrc].pid"
        sender = (
            f"{sys.executable} {SENDER} --host [$ip] --port [$port] --proto [$proto]"
            f" --ssrc [$ssrc] --frames {self.frames} --pidfile {pidfile}"
            f" >> {workdir}/sender.log 2>&1"
        )
        answer_sdp = (
            "v=0\n      o=[device_id] 0 0 IN IP4 [local_ip]\n      s=Play\n"
            "      c=IN IP4 [local_ip]\n      t=0 0\n      m=video 15060 [$proto] 96\n"
            "      a=sendonly\n      a=rtpmap:96 PS/90000\n      a=setup:active\n"
            "      a=connection:new\n      y=[$ssrc]\n      f=v/2/5/25/1/1000a///\n"
        )
        parts += [
            '  <label id="invite"/>',
            "  <nop><action>"
            '<log message="INVITE port=[$port] proto=[$proto] ssrc=[$ssrc] ip=[$ip]"/>'
            '<log message="(matched: [$i0] [$m0] [$y0])"/></action></nop>',
            f"  <send>{_cdata(_reply('100 Trying') + EMPTY)}</send>",
        ]
        if not self.invite_status.startswith("200"):
            parts += [
                f"  <send>{_cdata(_reply(self.invite_status) + EMPTY)}</send>",
                '  <recv request="ACK"/>',
                '  <nop next="end"/>',
            ]
        else:
            ok_sdp = (
                _reply()
                + "\n      Content-Type: APPLICATION/SDP\n      Content-Length: [len]\n\n      "
                + answer_sdp
            )
            parts += [
                f'  <send retrans="500">{_cdata(ok_sdp)}</send>',
                '  <recv request="ACK">',
                f'    <action><exec command="{sender}"/><log message="MEDIA STARTED [$ssrc]"/>',
                '      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="ackfrom"/>',
                '      <ereg regexp=".*" search_in="hdr" header="To:" assign_to="ackto"/>',
                "    </action>",
                "  </recv>",
            ]
            if self.device_bye_after_ms:
                bye = (
                    "BYE sip:[platform_id]@[remote_ip]:[remote_port] SIP/2.0\n"
                    "      Via: SIP/2.0/[transport] [local_ip]:[local_port];rport;branch=[branch]\n"
                    "      From: [$ackto]\n      To: [$ackfrom]\n      Call-ID: [call_id]\n"
                    "      CSeq: 1 BYE\n      Max-Forwards: 70" + EMPTY
                )
                parts += [
                    f'  <pause milliseconds="{self.device_bye_after_ms}"/>',
                    f'  <send retrans="500">{_cdata(bye)}</send>',
                    '  <recv response="200"/>',
                    f'  <nop><action><exec command="kill $(cat {pidfile})"/>'
                    '<log message="DEVICE BYE [$ssrc]"/></action></nop>',
                    '  <nop next="end"/>',
                ]
            else:
                parts.append('  <nop><action><log message="(from [$ackfrom] to [$ackto])"/>'
                             "</action></nop>")  # fmt: skip
            parts += [
                '  <recv request="BYE"/>',
                f"  <send>{_cdata(ok)}</send>",
                f'  <nop><action><exec command="kill $(cat {pidfile})"/>'
                '<log message="BYE [$ssrc]"/></action></nop>',
            ]
        parts += ['  <label id="end"/>', "</scenario>"]
        return "\n".join(parts)


class SippDevice:
    """Runs one DeviceScenario against the platform; read `log()` for what it saw."""

    def __init__(self, scenario: DeviceScenario, platform_port: int, workdir: Path,
                 *, transport: str = "udp") -> None:  # fmt: skip
        self.scenario = scenario
        self.platform_port = platform_port
        self.workdir = workdir
        self.transport = transport
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        self.main = workdir / "device.xml"
        self.ooc = workdir / "ooc.xml"
        self.main.write_bytes(scenario.main_xml().encode(ENCODING))
        self.ooc.write_bytes(scenario.ooc_xml(workdir).encode(ENCODING))

    def start(self) -> SippDevice:
        s = self.scenario
        args = [
            "sipp", f"127.0.0.1:{self.platform_port}", "-sf", str(self.main),
            "-oocsf", str(self.ooc), "-t", "u1" if self.transport == "udp" else "t1",
            "-i", "127.0.0.1", "-p", str(self.port), "-m", "1", "-nostdin",
            "-au", s.device_id, "-ap", s.password,
            "-key", "device_id", s.device_id, "-key", "platform_id", s.platform_id,
            "-key", "domain", s.domain, "-trace_logs", "-trace_err",
            "-max_recv_loops", "10000",
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            args,
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "sipp.stderr", "wb"),
        )
        return self

    def log(self) -> str:
        text = ""
        for path in self.workdir.glob("*_logs.log"):
            text += path.read_text(errors="replace")
        return text

    def errors(self) -> str:
        text = ""
        for path in self.workdir.glob("*_errors.log"):
            text += path.read_text(errors="replace")
        return text

    def wait_exit(self, limit: float = 30.0) -> int:
        assert self.proc is not None
        return self.proc.wait(limit)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        for pidfile in self.workdir.glob("sender-*.pid"):
            try:
                os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
            except (ValueError, ProcessLookupError):
                pass

    def wait_log(self, text: str, limit: float = 15.0, count: int = 1) -> str:
        """Block until the device's log holds `text` `count` times (file polling:
        SIPp tells us nothing else)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            log = self.log()
            if log.count(text) >= count:
                return log
            time.sleep(0.05)
        raise TimeoutError(
            f"SIPp device never logged {text!r}; log:\n{self.log()}\n{self.errors()}"
        )
