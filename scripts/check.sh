#!/usr/bin/env bash
# Every check the project runs: lint, format, types, import contracts, eslint, front-end unit
# tests (node --test), benchmark smoke, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PY_DIRS=(hub signaling media rooms recorder command_center web tests benchmarks)

step() { printf '\n== %s\n' "$*"; }

step "ruff check";        $BIN/ruff check "${PY_DIRS[@]}"
step "ruff format";       $BIN/ruff format --check "${PY_DIRS[@]}"
step "mypy";              $BIN/mypy hub signaling media rooms recorder command_center
step "import contracts";  $BIN/lint-imports
if [ ! -x web/node_modules/.bin/eslint ]; then
    echo "web/node_modules is missing or old: run \`make web-deps\` (npm ci in web/)" >&2
    exit 1
fi
step "eslint (web/)";     (cd web && node_modules/.bin/eslint --max-warnings 0)
[ "${1:-}" = lint ] && exit 0

step "front-end unit tests (node --test web/test)"
(cd web && node --test --test-reporter=spec test/)

step "benchmarks (smoke)"
for b in benchmarks/*.py; do
    [ "$(basename "$b")" = "__init__.py" ] && continue
    $BIN/python "$b" --smoke
done

step "pytest"
$BIN/python -m pytest -q -p no:cacheprovider "$@"
