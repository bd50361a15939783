#!/usr/bin/env bash
# System packages the test suite drives for real: Chromium (Playwright uses Debian's
# /usr/bin/chromium, never a downloaded browser), Redis, PostgreSQL 15, FFmpeg's ffprobe,
# OpenSSL (a real RFC 3161 timestamp authority), the GStreamer RTSP server (the RTSP
# camera simulator, tests/simulators/rtsp_camera.py, run with /usr/bin/python3) and
# SIPp (sip-tester: GB/T 28181 devices and lower platforms in tests/simulators/sipp/).
set -euo pipefail

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v redis-server >/dev/null || need+=(redis-server)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
command -v ffprobe >/dev/null || need+=(ffmpeg)
command -v openssl >/dev/null || need+=(openssl)
/usr/bin/python3 -c "import gi; gi.require_version('GstRtspServer', '1.0')" 2>/dev/null ||
    need+=(python3-gi gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0)
for plugins in base good bad ugly; do
    dpkg -s "gstreamer1.0-plugins-$plugins" >/dev/null 2>&1 || need+=("gstreamer1.0-plugins-$plugins")
done
command -v sipp >/dev/null || need+=(sip-tester)
command -v janus >/dev/null || need+=(janus)  # benchmarks/janus.py, the side-by-side baseline
command -v fc-list >/dev/null && fc-list | grep -qi "noto.*cjk" || need+=(fonts-noto-cjk)
command -v pdftotext >/dev/null || need+=(poppler-utils)  # reading the agreement PDF in tests

if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "install-test-deps: need root to apt-get install: ${need[*]}" >&2
        exit 1
    fi
    echo "install-test-deps: apt-get install ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
