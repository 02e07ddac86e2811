# The README's two commands are `make demo` and `make test`; both create .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck cfn-lint pytest unit bench build deploy deploy-check lock docs pr clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/commsync demo

test: $(STAMP) lint typecheck cfn-lint pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

cfn-lint: $(STAMP)
	$(BIN)/cfn-lint template.yaml

# pytest exits 5 when it collects nothing; here that means a broken suite, never a pass.
pytest: $(STAMP)
	@$(BIN)/pytest; code=$$?; \
	if [ $$code -eq 5 ]; then echo "pytest collected no tests: the suite is broken" >&2; exit 1; fi; \
	exit $$code

unit: $(STAMP)
	$(BIN)/pytest tests/unit

# Every scenario against the emulators and moto: a table with PASS/FAIL, bench/results.json; exits 1 on a missed target.
# BENCH_EMAILS, BENCH_MAILBOXES and BENCH_REPEATS shrink it; BENCH_QUICK=1 (or bench.run --quick) checks it fast.
bench: $(STAMP)
	$(BIN)/python -m bench.run

# The Lambda runtime is the virtualenv's Python (3.11+): the layer's compiled wheels are built
# by it, and SAM finds python3.x for the functions on PATH (.venv/bin has it). Nothing else
# than `make` and the interpreter the venv was made with is needed; no Docker. The layer's pins
# are kept as wheels in .aws-sam/wheels, so a rebuild needs no package index.
RUNTIME = $(shell $(BIN)/python -c 'import sys; print("python%d.%d" % sys.version_info[:2])')
SAM_ENV = PATH="$(CURDIR)/$(BIN):$$PATH" LAYER_PYTHON="$(CURDIR)/$(BIN)/python" \
	LAYER_WHEELS="$(CURDIR)/.aws-sam/wheels"

build: $(STAMP)
	$(SAM_ENV) $(BIN)/sam build --template-file template.yaml --parameter-overrides PythonRuntime=$(RUNTIME)

deploy: build
	$(SAM_ENV) $(BIN)/sam deploy --guided --parameter-overrides PythonRuntime=$(RUNTIME)

# The dry run before an AWS account (docs/deploying.md): lint, build, package and deploy the
# stack into a local moto server, call /health and the dispatcher, tear it all down.
deploy-check: $(STAMP)
	$(SAM_ENV) $(BIN)/python tools/deploy_check.py --runtime $(RUNTIME)

lock: $(STAMP)
	$(BIN)/python tools/lock_layer.py > layers/commsync/requirements.txt.new
	mv layers/commsync/requirements.txt.new layers/commsync/requirements.txt

# The generated docs (configuration reference, comment JSON Schema and example); a test fails when stale.
docs: $(STAMP)
	$(BIN)/python -m tools.gen_docs

pr: test build

clean:
	rm -rf $(VENV) .aws-sam .mypy_cache .ruff_cache .pytest_cache
