""" "Verified" over REST means signed by this install's key: a recording with a
dropped segment, re-chained and re-signed with another key, is self-consistent
and still shown as NOT verified, with both key fingerprints."""

from __future__ import annotations

import zipfile
from io import BytesIO

from recorder.export import README_FILE
from recorder.signing import fingerprint, load_or_create_signing_key
from recorder.store import recordings_dir
from tests.recorder.forgery import drop_segment_and_resign, record_in
from tests.signaling.conftest import Town


async def test_a_resigned_recording_is_not_verified(town: Town) -> None:
    ours = fingerprint(load_or_create_signing_key(town.config.server.data_dir).public_key())
    recording = await record_in(town.config.server.data_dir, "r", town.orgs["east-1"])
    status, body = await town.call("mediator-east", "GET", f"/api/v1/recordings/{recording}")
    assert status == 200, body
    genuine = body["verification"]
    assert genuine["ok"] is True and genuine["keyTrusted"] is True
    assert genuine["keyFingerprint"] == genuine["trustedKeyFingerprint"] == ours

    drop_segment_and_resign(recordings_dir(town.config.server.data_dir) / recording, index=1)
    status, body = await town.call("mediator-east", "GET", f"/api/v1/recordings/{recording}")
    forged = body["verification"]
    assert forged["ok"] is False and forged["keyTrusted"] is False
    assert forged["trustedKeyFingerprint"] == ours != forged["keyFingerprint"]
    assert "ANOTHER key" in forged["report"] and "签名公钥不是受信任的公钥" in forged["report"]

    response = await town.client.get(
        f"/api/v1/recordings/{recording}/export", headers=town.headers["mediator-east"]
    )
    assert response.status == 200
    with zipfile.ZipFile(BytesIO(await response.read())) as zf:
        readme = zf.read(README_FILE).decode()
    assert "核验失败" in readme and "FAILED" in readme and ours in readme
