# The two set-up commands: `make demo` and `make test`. Both create the virtualenv themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo-output

.PHONY: demo test lint typecheck bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when the project metadata changes.
$(VENV)/.demo-installed: pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	touch $@

$(VENV)/.test-installed: pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	$(BIN)/auditor demo --output-dir $(DEMO_DIR)

# System packages and the real services the tests use (Chromium, PostgreSQL, Jupyter, MLflow,
# Ray, Azurite...) are installed by scripts/setup.d/*.sh, each idempotent and cached.
test: $(VENV)/.test-installed
	bash scripts/test-setup.sh
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/mypy

# Regenerate the generated docs (checks reference, result JSON Schema); tests fail when stale.
docs: $(VENV)/.demo-installed
	$(BIN)/python scripts/gen_checks_doc.py
	$(BIN)/python scripts/gen_result_schema.py

# Each benchmark prints its figures and records them in docs/performance.md; some install the
# peer tools they compare against (Prowler, Checkov, modelscan...) into throwaway virtualenvs.
BENCHES ?= aws_scan iac_scan probe report models cloud_storage estate engine estate_scale
bench: $(VENV)/.test-installed
	@for b in $(BENCHES); do echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info $(DEMO_DIR) auditor-output .pytest_cache .mypy_cache .ruff_cache
