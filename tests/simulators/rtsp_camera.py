#!/usr/bin/python3
"""An RTSP camera for tests: Debian's GStreamer RTSP server serving a test pattern.

Run with /usr/bin/python3 (the project's venv python cannot import gi). Started,
killed and restarted by tests/simulators/rtsp.py; prints "READY <port>" once it
listens. Serves one shared stream at rtsp://127.0.0.1:<port>/cam over TCP and UDP
(the client chooses), as H.264 (default), H.265 or MJPEG, optionally behind Basic
or Digest authentication.
"""

from __future__ import annotations

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

ENCODERS = {
    # SPS/PPS travel in the SDP (sprop-parameter-sets) only, unless --inband-headers:
    # a client that joins mid-stream must put them in front of the IDR itself.
    "h264": (
        "x264enc tune=zerolatency speed-preset=ultrafast bitrate={kbps} key-int-max={gop}"
        " ! video/x-h264,profile=constrained-baseline"
        " ! rtph264pay name=pay0 pt=96 config-interval={config_interval}"
    ),
    "h265": (
        "x265enc tune=zerolatency speed-preset=ultrafast bitrate={kbps} key-int-max={gop}"
        " ! rtph265pay name=pay0 pt=96 config-interval={config_interval}"
    ),
    "mjpeg": "jpegenc quality=50 ! rtpjpegpay name=pay0 pt=26",
}


def pipeline(args: argparse.Namespace) -> str:
    source = (
        f"videotestsrc is-live=true pattern={args.pattern}"
        f" ! video/x-raw,format=I420,width={args.width},height={args.height},framerate={args.fps}/1"
    )
    encoder = ENCODERS[args.codec].format(
        kbps=args.kbps,
        gop=args.gop or args.fps,
        config_interval=-1 if args.inband_headers else 0,
    )
    return f"( {source} ! {encoder} )"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--codec", choices=sorted(ENCODERS), default="h264")
    parser.add_argument("--auth", choices=["none", "basic", "digest"], default="none")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="secret")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--gop", type=int, default=0, help="frames per GOP (default: fps)")
    parser.add_argument("--kbps", type=int, default=1000)
    parser.add_argument("--pattern", default="ball")
    parser.add_argument("--inband-headers", action="store_true")
    parser.add_argument("--path", default="/cam")
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))

    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(pipeline(args))
    factory.set_shared(True)  # one encoder, every client sees the same live stream
    factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP)

    if args.auth != "none":
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "viewer")
        if args.auth == "basic":
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
        else:
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
            auth.add_digest(args.user, args.password, token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role(
            "viewer", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS, True
        )
        permissions.add_permission_for_role(
            "viewer", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, True
        )
        factory.set_permissions(permissions)

    server.get_mount_points().add_factory(args.path, factory)
    if server.attach(None) == 0:
        print(f"FAILED cannot listen on {args.port}", flush=True)
        sys.exit(2)

    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
