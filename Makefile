# Showroom: `make run` starts the platform, `make test` runs every test. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 2
APT_PACKAGES := chromium fonts-noto-core fonts-noto-cjk
BENCH_APT_PACKAGES := janus iproute2

.PHONY: run test install install-dev system-deps bench-deps messages lint bench bench-chat bench-call clean

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

# Installs the Debian packages in $(1) that are missing (needs root or sudo).
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

# Debian packages the browser tests need.
system-deps:
	$(call apt_install,$(APT_PACKAGES))

# Debian packages only the benchmarks need: Janus (the reference SFU in bench/relay_fanout.py)
# and ip (it runs Janus in a network namespace). The tests do not need them.
bench-deps:
	$(call apt_install,$(BENCH_APT_PACKAGES))

# Compiled translations are build output; Babel compiles them without GNU gettext.
messages: install
	$(VENV)/bin/pybabel compile -d locale -D django

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: install-dev bench-deps
	$(PY) bench/checkout_burst.py
	$(PY) bench/chat_fanout.py --viewers 1000
	$(PY) bench/relay_fanout.py
	$(PY) bench/call_connect.py

# Room chat fan-out at 1,000 / 2,000 / 5,000 viewers with the naive and ceiling references.
bench-chat: install-dev
	$(PY) bench/chat_fanout.py

# 1v1 consultation calls: join request to first remote frame, 50 calls through the relay.
bench-call: install-dev
	$(PY) bench/call_connect.py

clean:
	rm -rf $(VENV) var staticfiles
