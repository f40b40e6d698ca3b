# Everything installs itself into .venv on first use: `make demo` and `make test` work on a fresh machine.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install proto test test-frameworks test-browser test-pythons test-under-load demo bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

proto: $(STAMP)
	$(PY) scripts/gen_protos.py

# The main suite; framework and browser tests run in their own invocations (.ci/run calls all three).
test: $(STAMP)
	$(PY) -m pytest -q -m "not frameworks and not browser"

# Framework integrations (issue 12): installs the frameworks' extras (torch pinned by constraints).
test-frameworks: $(STAMP)
	$(PY) scripts/run_marked.py frameworks

# The web UI in headless Chromium (issue 14): installs Debian's chromium when missing.
test-browser: $(STAMP)
	$(PY) scripts/run_marked.py browser

# The smoke suite (tests/smoke) on every other CPython 3.10+ found, each in .venv-pythons/3.N (issue 26).
test-pythons: $(STAMP)
	$(PY) scripts/test_pythons.py

# The main suite twice in a row beside two busy processes: tests must not depend on load (issue 19).
test-under-load: $(STAMP)
	$(PY) scripts/test_under_load.py --hogs 2 --rounds 2

demo: $(STAMP)
	$(PY) examples/demo.py $(if $(KEEP),--keep)

bench: $(STAMP)
	$(PY) bench/run_all.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy  # its settings: [tool.mypy] in pyproject.toml

clean:
	rm -rf $(VENV) .venv-pythons build *.egg-info
