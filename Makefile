# Two commands on a fresh machine: `make run` and `make test` (see README).
# the interpreter .venv is made from: the distribution's optimised CPython when
# it can make a venv (see scripts/python.sh), else python3 on PATH
PYTHON ?= $(shell scripts/python.sh)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test lint unit bench-smoke web-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web-deps: web/node_modules/.installed

## Run the hub: SQLite in ./var, in-process signaling, http://127.0.0.1:8080
run: $(STAMP) web-deps
	$(BIN)/mediation-hub serve $(ARGS)

## Install everything the tests need (system packages included), then run every check.
test: $(STAMP) web-deps
	scripts/install-test-deps.sh
	scripts/check.sh

lint: $(STAMP) web-deps
	scripts/check.sh lint

clean:
	rm -rf $(VENV) web/node_modules .mypy_cache .ruff_cache .pytest_cache
