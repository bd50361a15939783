#!/usr/bin/env bash
# Print the Python interpreter to make the project's .venv from (the Makefile's
# default PYTHON; `make PYTHON=/path/to/python3` overrides it).
#
# The distribution's CPython first: Debian builds it with profile-guided and
# link-time optimisation and links libpython into the executable (as the official
# Docker images the Dockerfile starts from are built with --enable-optimizations
# --with-lto); a plain `./configure` build, pyenv's default for one, has neither.
# The hub's per-packet path is interpreter-bound, and on such a build each step
# costs 1.2-1.8x the CPU (benchmarks/packet_path.py; docs/media.md, "The
# interpreter"). It must be 3.11 or newer and able to make a venv (Debian:
# python3-venv); otherwise python3 on PATH.
set -euo pipefail
if /usr/bin/python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' \
    >/dev/null 2>&1; then
    echo /usr/bin/python3
else
    echo python3
fi
