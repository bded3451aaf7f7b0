# One task runner: set-up, lint, types, tests, benchmarks, the demo.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: help install run demo serve test pytest lint format bench clean services generate promtool rules browser

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)  ## create .venv and install synclens with its test tools

run: $(STAMP)  ## run the service on 127.0.0.1:4318 (data in ./data)
	$(BIN)/synclens serve

serve: run

demo: $(STAMP)  ## the service plus the simulated network, live dashboards
	$(BIN)/synclens demo

lint: $(STAMP)  ## ruff and mypy --strict
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)  ## apply ruff's formatting and fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

services:  ## start PostgreSQL if installed but stopped; install Alertmanager if missing
	@if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ] \
	    && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  echo "starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start || true; \
	fi
	@if ! command -v prometheus-alertmanager >/dev/null && ! command -v alertmanager >/dev/null \
	    && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "installing prometheus-alertmanager"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    prometheus-alertmanager >/dev/null) || echo "could not install Alertmanager: its test skips"; \
	fi

browser:  ## install Debian's chromium + chromium-driver for the dashboard tests, if missing
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  echo "installing chromium and chromium-driver (browser tests of the dashboards)"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium chromium-driver >/dev/null; \
	fi

pytest: $(STAMP) services promtool browser  ## the test suite only
	$(BIN)/pytest

generate: $(STAMP)  ## regenerate alerts/ (rules, promtool tests) and grafana/ from the SLO files
	$(BIN)/synclens alerts generate --out alerts
	$(BIN)/synclens grafana generate --out grafana

promtool:  ## install Debian's prometheus package (promtool, prometheus) when promtool is missing
	@if ! command -v promtool >/dev/null; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "installing prometheus (for promtool)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null; \
	  else \
	    echo "promtool is missing: install Debian's prometheus package (apt-get install prometheus)"; exit 1; \
	  fi; \
	fi

rules: $(STAMP) promtool  ## generated alert rules are fresh, valid and pass their promtool tests
	$(BIN)/synclens alerts generate --out alerts --check
	$(BIN)/synclens grafana generate --out grafana --check
	promtool check rules alerts/*.rules.yml
	promtool test rules alerts/tests/*.yml

test: lint rules pytest  ## everything CI runs: lint, types, rules, tests

bench: $(STAMP)  ## benchmarks (see bench/README.md)
	$(BIN)/python -m bench.run

clean:  ## remove the virtualenv and local data
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
