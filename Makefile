# accelbench: `make run` (bootstrap, run the default suite, write a report) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.bootstrapped
STORE ?= accelbench.duckdb
EXTRAS ?= gpu,fpga,dist,power,onnx,quant,dev
# torch from PyPI without a pin pulls multi-GB CUDA builds; 2.13.0 is the CPU wheel on this machine.
TORCH ?= torch==2.13.0

.PHONY: run test lint bootstrap system-deps benchmarks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH)"
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

bootstrap: $(STAMP)

run: $(STAMP)
	$(BIN)/accelbench run smoke --store $(STORE)
	$(BIN)/accelbench report --store $(STORE) --last --out reports/out/latest

# Debian packages the tests use: headless Chromium (report browser test), TBB (libtbb-dev: the
# HIP-CPU tier runs kernels/*.cu on CPU threads). Not root or no apt-get: the tests skip with the reason.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	dpkg -s libtbb-dev >/dev/null 2>&1 || missing="$$missing libtbb-dev"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "system-deps: could not install$$missing; the tests that need them skip with the reason"; \
	  else \
	    echo "system-deps: missing$$missing and not root; the tests that need them skip with the reason"; \
	  fi; \
	fi

test: $(STAMP) system-deps
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check accelbench tests benchmarks
	$(BIN)/mypy

benchmarks: $(STAMP)
	@for script in benchmarks/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf reports/out $(STORE) .pytest_cache .mypy_cache .ruff_cache
