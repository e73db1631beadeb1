# Two commands on a fresh machine: `make run` (set up and serve) and `make test` (set up and test).
PYTHON ?= $(shell PYENV_VERSION=3.11 python3.11 -c 'import sys; print(sys.executable)' 2>/dev/null || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test eval bench kb-check clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -c constraints.txt --config-settings editable_mode=compat -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/jishijiu serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(VENV)/bin/python -m pytest

eval: $(STAMP)
	$(VENV)/bin/jishijiu eval qa

kb-check: $(STAMP)
	$(VENV)/bin/jishijiu kb check

bench: $(STAMP)
	$(VENV)/bin/python bench/ask_bench.py

clean:
	rm -rf $(VENV) var .pytest_cache
