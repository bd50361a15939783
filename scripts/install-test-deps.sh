#!/usr/bin/env bash
# System packages the test suite drives for real: Chromium (Playwright uses Debian's
# /usr/bin/chromium, never a downloaded browser), Redis, PostgreSQL 15, FFmpeg's ffprobe,
# OpenSSL (a real RFC 3161 timestamp authority) and the GStreamer RTSP server.
set -euo pipefail

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v redis-server >/dev/null || need+=(redis-server)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
command -v ffprobe >/dev/null || need+=(ffmpeg)
command -v openssl >/dev/null || need+=(openssl)
command -v janus >/dev/null || need+=(janus)  # benchmarks/janus.py, the side-by-side baseline
command -v fc-list >/dev/null && fc-list | grep -qi "noto.*cjk" || need+=(fonts-noto-cjk)

if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "install-test-deps: need root to apt-get install: ${need[*]}" >&2
        exit 1
    fi
    echo "install-test-deps: apt-get install ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${need[@]}" >/dev/null
fi
