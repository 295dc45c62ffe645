# The README's two commands are `make demo` and `make test`; everything else is a building block.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAGE ?= default
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
export CDK_DISABLE_VERSION_CHECK := 1
export AWS_DEFAULT_REGION ?= us-east-1
# A shell or image that sets PYTHONDONTWRITEBYTECODE makes every Python process compile every module it imports
# from source again (13 s of a 76 s test run here, in each test worker and in every subprocess); the project's
# own processes write their bytecode caches (into .venv and the git-ignored __pycache__ folders) once.
unexport PYTHONDONTWRITEBYTECODE
CDK := node_modules/.bin/cdk
# Recorded on every version the deployed pipeline registers (its CodeCommit parameter's default).
CODE_COMMIT := $(shell git rev-parse HEAD 2>/dev/null || echo unrecorded)

.PHONY: help setup check-prereqs synth test pytest checks lint typecheck cfn-lint moto-suite demo demo-shadow deploy clean bench local

help:
	@echo "make demo    set up, then run the whole lifecycle on the embedded AWS"
	@echo "make test    set up, then run every check (pytest, ruff, import contracts, mypy, synth, cdk-nag, cfn-lint)"
	@echo "make synth   synthesize every stack into cdk.out/ (offline, no credentials)"
	@echo "make deploy  cdk deploy --all into the current AWS account (STAGE=name)"
	@echo "make local   run the embedded AWS as a server on 127.0.0.1 for the CLI"
	@echo "make bench   print the performance figures (bench/*.py)"
	@echo "make moto-suite  moto's own SageMaker/EventBridge tests, on plain moto and with the patches"

check-prereqs:
	@command -v $(PYTHON) >/dev/null || { echo "modelops needs Python >= 3.11 as $(PYTHON) on PATH; none found"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "modelops needs Python >= 3.11; found " + sys.version.split()[0])'
	@command -v node >/dev/null || { echo "modelops needs Node.js >= 18 on PATH (for the CDK CLI and jsii); none found"; exit 1; }
	@node -e 'const m=+process.versions.node.split(".")[0]; if (m<18) { console.log("modelops needs Node.js >= 18; found " + process.versions.node); process.exit(1) }'

# uv installs the locked set (uv.lock, never changed by setup: --frozen). One on PATH is used as it is;
# otherwise the pinned wheel comes from PyPI into .tools/ (no installer script, no other download).
UV_VERSION := 0.13.8
UV := $(or $(shell command -v uv 2>/dev/null),.tools/uv/bin/uv)
export UV_PYTHON_DOWNLOADS := never

.tools/uv/bin/uv:
	$(PYTHON) -m venv .tools/uv
	.tools/uv/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Re-run only when what it installs from changes, so a warm `make setup` costs well under a second.
$(VENV)/.setup-stamp: pyproject.toml uv.lock package.json package-lock.json | $(UV)
	$(UV) sync --frozen --quiet --extra dev --python $(PYTHON)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Prerequisites are checked every time, so a missing one is named in one line before anything starts.
setup: check-prereqs
	@$(MAKE) --no-print-directory $(VENV)/.setup-stamp

synth: setup
	rm -rf cdk.out
	$(CDK) synth --quiet -c stage=$(STAGE) -c code_commit=$(CODE_COMMIT) >/dev/null
	@ls cdk.out/*.template.json

lint: setup
	$(BIN)/ruff check infra pipelines src tests bench
	$(BIN)/ruff format --check infra pipelines src tests bench
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy

cfn-lint: synth
	$(BIN)/cfn-lint cdk.out/*.template.json

# pytest on every core (pytest-xdist), and beside it, at the lowest CPU priority, the other checks one after
# another: mypy, lint, moto's suite (two workers of its own), cfn-lint on a CLI synth. On 2 cores everything
# here is CPU work, and pytest leaves about an eighth of the CPU idle (its workers waiting on subprocesses,
# servers and sleeps): niced, the checks take that idle time and never pytest's, then finish on both cores.
# (Beside pytest at the same priority they cost more than they saved: 712 s from a fresh clone here, more
# CPU in all.) Their output is kept in build/checks.log and printed after pytest's; make test fails if either
# fails, and -k runs every check even after one fails.
test: setup
	@mkdir -p build && rm -f build/checks.log
	@$(MAKE) --no-print-directory -j2 -k pytest checks; status=$$?; \
	  echo "== the other checks (run beside pytest)"; cat build/checks.log; exit $$status

pytest: setup
	$(BIN)/pytest

checks: setup
	@nice -n 19 $(MAKE) --no-print-directory -j1 -k typecheck lint moto-suite cfn-lint > build/checks.log 2>&1

# moto's own SageMaker and EventBridge tests, from the pinned moto's sdist (fetched into build/ once, checked
# against the sha256 in uv.lock), on plain moto and with the patches: every test that passes on plain moto
# passes patched, or is listed in tests/moto_suite/deliberate_differences.toml.
moto-suite: setup
	$(BIN)/python -m tests.moto_suite --pip-python $(PYTHON)

demo: setup synth
	$(BIN)/python -m modelops.demo --cdk-out cdk.out

# The shadow gate's demo, on the stage's templates with the gate on (their own folder: cdk.out stays as is).
demo-shadow: setup
	rm -rf cdk.out.shadow
	$(CDK) synth --quiet -c stage=$(STAGE) -c shadow_gate=true -c code_commit=$(CODE_COMMIT) -o cdk.out.shadow >/dev/null
	$(BIN)/python -m modelops.demo_shadow --cdk-out cdk.out.shadow

deploy: setup
	$(CDK) deploy --all -c stage=$(STAGE) -c code_commit=$(CODE_COMMIT)

# The figures the issues ask for; each script prints its own.
bench: synth
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# The embedded AWS as a server for exploring with the CLI (Ctrl-C stops it).
local: synth
	$(BIN)/modelops local up --cdk-out cdk.out

clean:
	rm -rf cdk.out cdk.out.shadow build .tools .pytest_cache .mypy_cache .ruff_cache
