# The README's two commands are `make demo` and `make test`; both create .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck cfn-lint pytest unit bench build deploy lock pr clean

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

build: $(STAMP)
	$(BIN)/sam build --template-file template.yaml

deploy: build
	$(BIN)/sam deploy --guided

lock: $(STAMP)
	$(BIN)/python tools/lock_layer.py > layers/commsync/requirements.txt.new
	mv layers/commsync/requirements.txt.new layers/commsync/requirements.txt

pr: test build

clean:
	rm -rf $(VENV) .aws-sam .mypy_cache .ruff_cache .pytest_cache
