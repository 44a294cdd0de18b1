# The two commands a new user needs:  make serve  and  make test
# Both create .venv/ if missing, install once (re-runs are no-ops), and build what is missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.climatekg-installed
export PYTHONUNBUFFERED := 1

.PHONY: install build serve test test-all test-slow bench eval clean ui

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel

# torch first, from the machine's local CPU wheel (a plain resolve would pull GBs of CUDA packages)
$(VENV)/.torch: | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	touch $@

$(STAMP): pyproject.toml $(VENV)/.torch
	$(BIN)/pip install -q --no-build-isolation -e '.[test]'
	touch $@

install: $(STAMP)

# -- web interface: CodeMirror vendored into service/static/vendor/ (git-ignored) from the npm registry
VENDOR := service/static/vendor/manifest.json
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(VENDOR): ui/package.json ui/package-lock.json ui/vendor.mjs
	cd ui && npm ci --no-audit --no-fund --ignore-scripts
	node ui/vendor.mjs

ui: $(VENDOR)

# Debian's chromium + Noto CJK fonts, and Playwright for Python (never `playwright install`)
$(VENV)/.browser: | $(STAMP)
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then \
	  $(SUDO) apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk; fi
	$(BIN)/pip install -q 'playwright>=1.45'
	touch $@

build: install $(VENDOR)
	$(BIN)/climatekg build

serve: build
	$(BIN)/climatekg serve

test: build $(VENV)/.browser
	$(BIN)/python -m pytest -m "not slow"

test-slow: build $(VENV)/.browser
	$(BIN)/python -m pytest -m slow

test-all: build $(VENV)/.browser
	$(BIN)/python -m pytest

eval: build
	$(BIN)/climatekg extraction
	$(BIN)/climatekg extraction --blind dev
	$(BIN)/climatekg eval

bench: build
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf data/build service/static/vendor
