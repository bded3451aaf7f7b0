# One task runner: set-up, lint, types, tests, benchmarks, the demo.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
NATIVE := setup.py collector/otlp/_native.c
JS_DIRS := tests/js tests/oidc tests/dashboards/axe
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml $(NATIVE) | cksum | cut -d' ' -f1)

.PHONY: help install run demo serve test pytest lint format bench soak clean services generate rules system-deps screenshots js-deps

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml $(NATIVE)
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

system-deps:  ## install the Debian packages the tests use (promtool, Prometheus, Alertmanager, Chromium) when missing
	@missing=""; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	command -v prometheus-alertmanager >/dev/null || command -v alertmanager >/dev/null \
	  || missing="$$missing prometheus-alertmanager"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -x /usr/bin/chromedriver ] || missing="$$missing chromium-driver"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

services:  ## start PostgreSQL, NATS (JetStream) and RabbitMQ if installed but stopped (their tests skip, saying why, without them)
	@if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ] \
	    && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  echo "starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start || true; \
	fi
	@if [ -x /usr/sbin/nats-server ] && ! bash -c 'echo > /dev/tcp/127.0.0.1/4222' 2>/dev/null; then \
	  echo "starting NATS with JetStream on 127.0.0.1:4222"; \
	  mkdir -p /var/lib/nats-server; \
	  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
	    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true; \
	fi
	@if [ -x /usr/sbin/rabbitmq-server ] && ! bash -c 'echo > /dev/tcp/127.0.0.1/5672' 2>/dev/null; then \
	  echo "starting RabbitMQ on 127.0.0.1:5672"; \
	  rabbitmq-server -detached || true; \
	  for i in $$(seq 1 30); do bash -c 'echo > /dev/tcp/127.0.0.1/5672' 2>/dev/null && break; sleep 1; done; \
	fi

js-deps:  ## the JavaScript the tests drive: OTLP exporters (tests/js), an OpenID provider (tests/oidc), axe-core (tests/dashboards/axe); npm ci each, skipped, saying why, without Node
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  echo "Node.js/npm not installed: the JavaScript exporter, OpenID Connect and accessibility tests will be skipped"; \
	else for dir in $(JS_DIRS); do \
	  if [ ! -d $$dir/node_modules ] || [ $$dir/package-lock.json -nt $$dir/node_modules ]; then \
	    (cd $$dir && npm ci --no-audit --no-fund --loglevel=error && touch node_modules) || exit 1; \
	  fi; \
	done; fi

pytest: $(STAMP) system-deps services js-deps  ## the test suite only (a worker per core, a module per worker)
	$(BIN)/pytest -n auto --dist loadfile

generate: $(STAMP)  ## regenerate alerts/ (rules, promtool tests) and grafana/ from the SLO files
	$(BIN)/synclens alerts generate --out alerts
	$(BIN)/synclens grafana generate --out grafana

rules: $(STAMP) system-deps  ## generated alert rules are fresh, valid and pass their promtool tests
	$(BIN)/synclens alerts generate --out alerts --check
	$(BIN)/synclens grafana generate --out grafana --check
	promtool check rules alerts/*.rules.yml
	promtool test rules alerts/tests/*.yml

test: lint rules pytest  ## everything CI runs: lint, types, rules, tests

bench: $(STAMP)  ## benchmarks (see bench/README.md)
	$(BIN)/python -m bench.run

soak: $(STAMP)  ## 30 min at half the maximum ingest, queries beside it (see bench/README.md)
	$(BIN)/python -m bench.soak

clean:  ## remove the virtualenv and local data
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache $(addsuffix /node_modules,$(JS_DIRS))

screenshots: $(STAMP) system-deps  ## refresh docs/screenshots/ from the browser tests
	SYNCLENS_SCREENSHOTS=docs/screenshots $(BIN)/pytest tests/dashboards/test_browser.py tests/dashboards/test_browser_triage.py
