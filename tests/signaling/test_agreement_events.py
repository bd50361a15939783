"""The mediation agreement over the real protocol: drafted from the case, proposed,
signed by two parties and the mediator with finger signatures (PNGs), made into a
PDF and sealed as evidence that `mediation-hub evidence verify` accepts, and that
fails after one flipped byte; listed on the case; then the parties' feedback."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy import select

from recorder.document_evidence import agreements_dir
from recorder.signing import trusted_public_key
from recorder.verify import verify
from rooms import domain
from rooms.demo import seed_demo_city
from rooms.models import AuditEntry, Feedback
from rooms.policy import Subject
from signaling.keys import DATABASE, SERVER
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub, staff_token

ROOT = Path(__file__).resolve().parents[2]


def signature_png(seed: int) -> str:
    image = Image.new("RGBA", (600, 200), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(40, 150), (160 + seed * 20, 40), (300, 160), (520, 60)], fill="black", width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


async def run(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    """A command in a thread (the test's event loop keeps serving the hub)."""
    return await asyncio.to_thread(subprocess.run, args, capture_output=True, cwd=ROOT)


async def _connected(hub: Hub, clients: list[ProtocolClient], token: str) -> ProtocolClient:
    client = ProtocolClient(hub.url, token)
    clients.append(client)
    await client.connect()
    return client


async def test_agreement_signed_by_two_parties_and_the_mediator_is_sealed_evidence(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    async with hub.app[DATABASE].transaction() as s:
        demo = await seed_demo_city(s, password_hash="x")
    admin = demo.users["city-admin"]
    boss = Subject(id=admin.id, name="a", role="admin", org_path=demo.orgs["city"].path)

    async def make(s):  # type: ignore[no-untyped-def]
        case = await domain.do_create_case(
            s,
            boss,
            organisation=demo.orgs["east-1"],
            type="邻里纠纷",
            title="楼上漏水",
            severity="yellow",
            parties=[{"name": "张三", "phone": ""}, {"name": "李四", "phone": ""}],
        )
        return await domain.do_create_case_room(s, boss, case, demo.orgs["east-1"].path)

    room = await hub.app[DATABASE].run(make)
    mediator = await _connected(
        hub, clients, await staff_token(hub.app, demo.users["mediator-east"])
    )
    assert (await mediator.join(room=room.id))["agreement"] is None
    zhang = await _connected(hub, clients, hub.token(room.id, name="张三", sub="inv-zhang"))
    li = await _connected(hub, clients, hub.token(room.id, name="李四", sub="inv-li"))
    for party in (zhang, li):
        assert (await party.join(consent=True))["ok"]

    assert (await zhang.request("agreement-draft"))["error"]["code"] == "forbidden"
    draft = await mediator.request("agreement-draft")
    assert draft["ok"], draft
    content = draft["draft"]
    assert [p["name"] for p in content["parties"]] == ["张三", "李四"]
    assert content["title"] == "人民调解协议书" and "东城街道花园社区" in content["committee"]
    assert "楼上漏水" in content["facts"] and content["mediator"] == "东城调解员"

    empty = await mediator.request("agreement-propose", {"content": content})
    assert empty["error"]["code"] == "bad_request"  # the agreed terms are empty
    content["terms"] = "一、李四于2026年12月31日前一次性赔偿张三维修费人民币3000元。"
    content["performance"] = "银行转账，2026年12月31日前履行完毕。"
    proposed = await mediator.request("agreement-propose", {"content": content})
    assert proposed["ok"], proposed
    agreement = proposed["agreement"]
    assert [s["name"] for s in agreement["signers"]] == ["张三", "李四", "东城调解员"]
    seen = await zhang.wait_event("agreement", lambda a: a["id"] == agreement["id"])
    assert seen["content"]["terms"] == content["terms"]

    sign = {"agreementId": agreement["id"], "contentSha256": agreement["contentSha256"]}
    stale = await zhang.request(
        "agreement-sign", {**sign, "contentSha256": "0" * 64, "image": signature_png(1)}
    )
    assert stale["error"]["code"] == "conflict"  # signed text must be the text shown
    not_png = await zhang.request(
        "agreement-sign",
        {**sign, "image": "data:image/png;base64," + base64.b64encode(b"GIF89a").decode()},
    )
    assert not_png["error"]["code"] == "bad_request"
    assert (await zhang.request("agreement-sign", {**sign, "image": signature_png(1)}))["ok"]
    again = await zhang.request("agreement-sign", {**sign, "image": signature_png(1)})
    assert again["error"]["code"] == "already_signed"
    assert (await li.request("agreement-sign", {**sign, "image": signature_png(2)}))["ok"]
    done = await mediator.request("agreement-sign", {**sign, "image": signature_png(3)})
    assert done["ok"] and done["sealing"], done  # the PDF is made after the answer
    sealed = await zhang.wait_event("agreement", lambda a: a["state"] == "sealed", limit=60)
    assert sealed["evidenceId"] and all(s["signed"] for s in sealed["signers"])
    await li.wait_event("feedback-request", limit=60)

    # the sealed evidence verifies offline, and fails after one flipped byte
    data_dir = hub.app[SERVER].data_dir
    directory = agreements_dir(data_dir) / sealed["evidenceId"]
    names = sorted(p.name for p in directory.iterdir())
    assert names == sorted(
        ["agreement.pdf", "content.json", "manifest.json", "manifest.sig", "pubkey.pem"]
        + [f"signature-0{i}.png" for i in (1, 2, 3)]
    )
    report = verify(directory, trusted_key=trusted_public_key(data_dir))
    assert report.verified, report.text()
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["kind"] == "mediation-agreement"
    assert [s["name"] for s in manifest["signers"]] == ["张三", "李四", "东城调解员"]
    cli = [sys.executable, "-m", "hub.cli", "evidence", "verify"]
    ok = await run([*cli, str(directory), "--data-dir", str(data_dir)])
    assert ok.returncode == 0, ok.stdout.decode()
    tampered = directory.parent / "tampered"
    shutil.copytree(directory, tampered)
    pdf = bytearray((tampered / "agreement.pdf").read_bytes())
    pdf[len(pdf) // 2] ^= 0x01
    (tampered / "agreement.pdf").write_bytes(bytes(pdf))
    bad = await run([*cli, str(tampered), "--data-dir", str(data_dir)])
    assert bad.returncode == 1 and "agreement.pdf" in bad.stdout.decode()

    # the PDF has what the law asks for, in Chinese
    text = (await run(["pdftotext", str(directory / "agreement.pdf"), "-"])).stdout.decode()
    for part in (
        "人民调解协议书",
        "张三",
        "李四",
        "3000元",
        "履行方式",
        "东城调解员",
        "人民调解委员会",
    ):
        assert part in text, part

    # listed on the case; parties' feedback kept with it, audited
    assert (await zhang.request("feedback", {"rating": 5, "fair": True, "comment": "很满意"}))["ok"]
    assert (await mediator.request("feedback", {"rating": 5}))["error"]["code"] == "forbidden"
    assert (await li.request("feedback", {"rating": 9}))["error"]["code"] == "bad_request"
    async with hub.app[DATABASE].session() as db:
        rows = list(await db.scalars(select(Feedback)))
        actions = [a.action for a in await db.scalars(select(AuditEntry))]
    assert [(f.name, f.rating, f.fair) for f in rows] == [("张三", 5, True)]
    for action in ("agreement.propose", "agreement.sign", "agreement.seal", "feedback.submit"):
        assert action in actions, action
