# Showroom: `make run` starts the platform, `make test` runs every test. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 2
APT_PACKAGES := chromium fonts-noto-core fonts-noto-cjk

.PHONY: run test install install-dev system-deps messages lint bench clean

run: install messages ## Run web + worker + embedded Redis on SQLite with demo data
	$(PY) -m config.run

test: install-dev system-deps messages ## Install what tests need, then run the whole suite
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(PIP) install -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Debian packages the browser tests need; installed only when missing (needs root or sudo).
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Compiled translations are build output; Babel compiles them without GNU gettext.
messages: install
	$(VENV)/bin/pybabel compile -d locale -D django

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: install-dev
	$(PY) bench/checkout_burst.py
	$(PY) bench/chat_fanout.py --viewers 1000
	$(PY) bench/relay_fanout.py

clean:
	rm -rf $(VENV) var staticfiles
