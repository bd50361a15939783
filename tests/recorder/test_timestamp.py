"""RFC 3161 against a real TSA: `openssl ts -reply` behind a tiny aiohttp endpoint."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest
from aiohttp import web

from recorder.manifest import MANIFEST_FILE, TIMESTAMP_FILE
from recorder.settings import RecorderSettings
from recorder.timestamp import build_request, check_response, openssl_verify
from recorder.verify import verify
from tests.recorder.conftest import record
from tests.recorder.media_samples import OPUS_CODEC, opus_frames

OPENSSL = shutil.which("openssl") or "openssl"

TSA_CONFIG = """
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/ca.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _run(*args: str, cwd: Path) -> None:
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def tsa_dir(tmp_path: Path) -> Path:
    """A CA and a TSA certificate (extendedKeyUsage critical timeStamping)."""
    d = tmp_path / "tsa"
    d.mkdir()
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    _run(
        "req",
        "-x509",
        "-new",
        *ec,
        "-subj",
        "/CN=Test TSA CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        cwd=d,
    )
    _run(
        "req", "-new", *ec, "-subj", "/CN=Test TSA", "-keyout", "tsa.key", "-out", "tsa.csr", cwd=d
    )
    (d / "ext.cnf").write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=critical,timeStamping\n"
    )
    _run(
        "x509",
        "-req",
        "-in",
        "tsa.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "tsa.crt",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        cwd=d,
    )
    (d / "serial").write_text("01\n")
    (d / "tsa.cnf").write_text(TSA_CONFIG.format(dir=d))
    return d


@pytest.fixture
async def tsa_url(aiohttp_server, tsa_dir: Path) -> str:
    async def reply(request: web.Request) -> web.Response:
        query = tsa_dir / "query.tsq"
        query.write_bytes(await request.read())
        proc = await asyncio.create_subprocess_exec(
            OPENSSL,
            "ts",
            "-reply",
            "-config",
            str(tsa_dir / "tsa.cnf"),
            "-queryfile",
            str(query),
            "-out",
            str(tsa_dir / "reply.tsr"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await proc.communicate()
        if proc.returncode != 0:
            return web.Response(status=500, text=err.decode())
        body = (tsa_dir / "reply.tsr").read_bytes()
        return web.Response(body=body, content_type="application/timestamp-reply")

    app = web.Application()
    app.router.add_post("/tsa", reply)
    server = await aiohttp_server(app)
    return str(server.make_url("/tsa"))


def test_request_is_a_timestamp_query_openssl_understands(tmp_path):
    (tmp_path / "q.tsq").write_bytes(build_request(b"hello", nonce=42))
    out = subprocess.run(
        [OPENSSL, "ts", "-query", "-in", str(tmp_path / "q.tsq"), "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "sha256" in out
    assert "0000 - 2c f2 4d ba 5f b0 a3 0e-26 e8 3b 2a c5 b9 e2 9e" in out  # sha256("hello")
    assert "Nonce: 0x2A" in out and "Certificate required: yes" in out


async def test_manifest_is_timestamped_and_the_token_verifies(tmp_path, key, tsa_url, tsa_dir):
    config = RecorderSettings(segment_duration_s=0.5, tsa_url=tsa_url)
    rec, _ = await record(tmp_path, key, config, [(OPUS_CODEC, opus_frames(30))])
    tsr = rec.directory / TIMESTAMP_FILE
    manifest = rec.directory / MANIFEST_FILE
    assert tsr.is_file()
    ok, out = openssl_verify(manifest, tsr, tsa_dir / "ca.crt")
    assert ok, out
    report = verify(rec.directory, tsa_ca=tsa_dir / "ca.crt")
    assert report.ok, report.text()
    assert "RFC 3161" in report.text()
    # a token over some other manifest does not verify
    check = check_response(tsr.read_bytes(), manifest.read_bytes() + b" ")
    assert check.granted and not check.imprint_matches
    data = bytearray(tsr.read_bytes())
    data[-10] ^= 0xFF
    tsr.write_bytes(bytes(data))
    assert not verify(rec.directory, tsa_ca=tsa_dir / "ca.crt").ok
