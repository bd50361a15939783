"""Start, kill, freeze and restart the RTSP camera simulator (rtsp_camera.py).

The simulator is Debian's GStreamer RTSP server, run with /usr/bin/python3 because
the project's venv python can't import gi (see shared/RECIPES.md).
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time
from pathlib import Path

from tests.services import free_port

SYSTEM_PYTHON = "/usr/bin/python3"
SCRIPT = Path(__file__).with_name("rtsp_camera.py")


def gstreamer_rtsp_available() -> bool:
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('GstRtspServer', '1.0')"],
        capture_output=True,
    )
    return probe.returncode == 0


class RtspCamera:
    """One simulated camera on a fixed port, so it can come back where it was."""

    def __init__(
        self,
        *,
        codec: str = "h264",
        auth: str = "none",
        user: str = "admin",
        password: str = "secret",
        fps: int = 25,
        kbps: int = 1000,
        width: int = 640,
        height: int = 360,
        gop: int = 0,
        inband_headers: bool = False,
        port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.user, self.password, self.auth = user, password, auth
        self.args = [
            "--port", str(self.port), "--codec", codec, "--auth", auth,
            "--user", user, "--password", password, "--fps", str(fps),
            "--kbps", str(kbps), "--width", str(width), "--height", str(height),
            "--gop", str(gop),
        ]  # fmt: skip
        if inband_headers:
            self.args.append("--inband-headers")
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, *, user: str | None = None, password: str | None = None) -> str:
        if self.auth == "none" and user is None:
            return f"rtsp://127.0.0.1:{self.port}/cam"
        user = self.user if user is None else user
        password = self.password if password is None else password
        return f"rtsp://{user}:{password}@127.0.0.1:{self.port}/cam"

    def start(self, limit: float = 15.0) -> RtspCamera:
        """Start the server; returns once it listens (it prints READY)."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.proc = subprocess.Popen(
            [SYSTEM_PYTHON, str(SCRIPT), *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + limit
        line = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                line = self.proc.stdout.readline()
                break
            if self.proc.poll() is not None:
                break
        if not line.startswith(b"READY"):
            self.kill()
            raise RuntimeError(f"RTSP camera simulator did not start: {line!r}")
        return self

    def kill(self) -> None:
        """SIGKILL: the camera vanishes mid-stream (no TEARDOWN, no FIN from GStreamer)."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(10)

    def freeze(self) -> None:
        """SIGSTOP: connections stay open but nothing is sent (a hung camera)."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)

    def restart(self) -> RtspCamera:
        self.kill()
        return self.start()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def __enter__(self) -> RtspCamera:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
