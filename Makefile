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
RASA_PORT ?= 5005
export RASA_TELEMETRY_ENABLED := false

.PHONY: setup browser run serve test eval nlu-eval bench kb-check clean

# Set-up prints one line per venv; pip's output goes to var/logs/setup-*.log (its end is shown when it fails).
$(STAMP): pyproject.toml constraints.txt
	@mkdir -p var/logs
	@echo "make: setting up $(VENV) (pip's output: var/logs/setup-venv.log)"
	@{ test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV); } > var/logs/setup-venv.log 2>&1 \
	  && $(VENV)/bin/python -m pip install --quiet --upgrade pip >> var/logs/setup-venv.log 2>&1 \
	  && $(VENV)/bin/python -m pip install --quiet -c constraints.txt --config-settings editable_mode=compat \
	     -e '.[dev]' >> var/logs/setup-venv.log 2>&1 \
	  || { tail -n 30 var/logs/setup-venv.log; echo "make: setting up $(VENV) failed"; exit 1; }
	@touch $(STAMP)

$(RASA_STAMP): constraints-rasa.txt
	@mkdir -p var/logs
	@echo "make: setting up $(RASA_VENV), ~2.7 GB: minutes the first time (pip's output: var/logs/setup-venv-rasa.log)"
	@{ test -x $(RASA_VENV)/bin/python || $(RASA_PYTHON) -m venv $(RASA_VENV); } > var/logs/setup-venv-rasa.log 2>&1 \
	  && $(RASA_VENV)/bin/python -m pip install --quiet --upgrade pip >> var/logs/setup-venv-rasa.log 2>&1 \
	  && $(RASA_VENV)/bin/python -m pip install --quiet -c constraints-rasa.txt 'rasa[jieba]==3.6.21' \
	     >> var/logs/setup-venv-rasa.log 2>&1 \
	  || { tail -n 30 var/logs/setup-venv-rasa.log; echo "make: setting up $(RASA_VENV) failed"; exit 1; }
	@touch $(RASA_STAMP)

# Both virtual environments, set up side by side on a fresh machine (two cores: about a minute and a half sooner).
setup:
	@$(MAKE) --no-print-directory -s -j2 $(STAMP) $(RASA_STAMP)

# Trains the bot only when its inputs changed (fingerprint in the model's name, see jishijiu/supervisor.py), prints
# progress and the ready line; Rasa's output goes to var/logs/.
run: setup
	@$(VENV)/bin/jishijiu run --host $(HOST) --port $(PORT) --rasa-port $(RASA_PORT)

serve: $(STAMP)
	$(VENV)/bin/jishijiu serve --host $(HOST) --port $(PORT)

# The conversation tests use the same fingerprinted model as `make run` (trained once, then reused).
test: setup browser
	$(VENV)/bin/python -m pytest

# The web pages are tested in Debian's headless Chromium (with its chromedriver), with CJK fonts for the Chinese
# text and poppler-utils for PDFs: installed here when missing (apt-get, as root); nothing downloads a browser build.
BROWSER_PACKAGES := chromium chromium-driver fonts-noto-cjk poppler-utils
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v pdftoppm >/dev/null \
	    || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then \
	  echo "make: installing $(BROWSER_PACKAGES) (apt-get's output: var/logs/setup-browser.log)"; mkdir -p var/logs; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      $(BROWSER_PACKAGES); } > var/logs/setup-browser.log 2>&1 \
	  || { tail -n 20 var/logs/setup-browser.log; echo "make: installing the browser failed (needs root and apt-get)"; exit 1; }; \
	fi

eval: $(STAMP)
	$(VENV)/bin/jishijiu eval qa

# Always a fresh NLU training (RASA_MAX_CACHE_SIZE=0: Rasa's cache does not see jieba dictionary edits).
nlu-eval: $(STAMP) $(RASA_STAMP)
	rm -rf var/nlu-models
	RASA_MAX_CACHE_SIZE=0 $(RASA_VENV)/bin/rasa train nlu --config config.yml --nlu bot/data/nlu --out var/nlu-models --quiet
	$(RASA_VENV)/bin/rasa test nlu --config config.yml --model var/nlu-models --nlu bot/tests/nlu_test.yml --out var/nlu-results
	$(VENV)/bin/python -m jishijiu.nlu_eval var/nlu-results/intent_report.json

bench: $(STAMP)
	$(VENV)/bin/python bench/ask_bench.py

kb-check: $(STAMP)
	$(VENV)/bin/jishijiu kb check

clean:
	rm -rf $(VENV) $(RASA_VENV) var models .rasa .pytest_cache
