# Two commands on a fresh machine: `make run` (set up and serve) and `make test` (set up and test).
PYTHON ?= $(shell PYENV_VERSION=3.11 python3.11 -c 'import sys; print(sys.executable)' 2>/dev/null || command -v python3)
# Rasa 3.6.21 needs Python 3.10 (pyenv's; plain python3.10 fails where pyenv's global version is 3.11).
RASA_PYTHON ?= $(shell PYENV_VERSION=3.10 python3.10 -c 'import sys; print(sys.executable)' 2>/dev/null || command -v python3.10)
VENV := .venv
RASA_VENV := .venv-rasa
STAMP := $(VENV)/.installed
RASA_STAMP := $(RASA_VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export RASA_TELEMETRY_ENABLED := false

.PHONY: run serve test eval nlu-eval bench kb-check clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -c constraints.txt --config-settings editable_mode=compat -e '.[dev]'
	touch $(STAMP)

$(RASA_STAMP): constraints-rasa.txt
	test -x $(RASA_VENV)/bin/python || $(RASA_PYTHON) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(RASA_VENV)/bin/python -m pip install --quiet -c constraints-rasa.txt 'rasa[jieba]==3.6.21'
	touch $(RASA_STAMP)

run: $(STAMP) $(RASA_STAMP)
	$(VENV)/bin/jishijiu run --host $(HOST) --port $(PORT)

serve: $(STAMP)
	$(VENV)/bin/jishijiu serve --host $(HOST) --port $(PORT)

test: $(STAMP) $(RASA_STAMP)
	$(VENV)/bin/python -m pytest

eval: $(STAMP)
	$(VENV)/bin/jishijiu eval qa

nlu-eval: $(STAMP) $(RASA_STAMP)
	$(RASA_VENV)/bin/rasa train nlu --config config.yml --nlu bot/data/nlu --out var/nlu-models --quiet
	$(RASA_VENV)/bin/rasa test nlu --config config.yml --model var/nlu-models --nlu bot/tests/nlu_test.yml --out var/nlu-results
	$(VENV)/bin/python -m jishijiu.nlu_eval var/nlu-results/intent_report.json

bench: $(STAMP)
	$(VENV)/bin/python bench/ask_bench.py

kb-check: $(STAMP)
	$(VENV)/bin/jishijiu kb check

clean:
	rm -rf $(VENV) $(RASA_VENV) var models .rasa .pytest_cache
