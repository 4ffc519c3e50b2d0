# Voimala: the two commands a newcomer needs are `make run` and `make test`.
# Everything else here is what those two are made of.

SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := python3.11
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
PY := .venv/bin/python
LOCAL := deploy/local
KEYS := .local/keys
export VOIMALA_JWT_PUBLIC_KEY_FILE ?= $(CURDIR)/$(KEYS)/jwt-public.pem

.PHONY: help install run stop status test test-fast test-browser browser-deps monitoring-deps k8s-deps cluster cluster-stop cluster-smoke cluster-faults lint fmt bench bench-platform faults token keys topics \
        demo infra-up infra-down infra-status compose-check docs

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

install: ## install Python deps (uv, then the locked workspace into .venv)
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	@$(UV) sync --frozen --quiet
	@command -v java >/dev/null || { echo "java 17 is needed for Kafka"; exit 1; }

infra-up: ## start PostgreSQL and Kafka (idempotent)
	@$(LOCAL)/infra.sh up
infra-down: ## stop PostgreSQL and Kafka
	@$(LOCAL)/infra.sh down
infra-status:
	@$(LOCAL)/infra.sh status

keys: install ## development JWT keys in .local/keys
	@$(PY) -c "from pathlib import Path; from voimala_kit.auth import generate_keys; generate_keys(Path('$(KEYS)')); generate_keys(Path('$(KEYS)/portal'))"

topics: install ## create every Kafka topic (the services also create their own)
	@$(PY) $(LOCAL)/create_topics.py

run: install infra-up keys topics monitoring-deps ## start everything with demo data and say where to look
	@$(LOCAL)/services.sh start
	@$(LOCAL)/prometheus.sh start
	@$(PY) $(LOCAL)/demo.py
	@$(LOCAL)/banner.sh

stop: ## stop what `make run` started
	@$(LOCAL)/prometheus.sh stop
	@$(LOCAL)/services.sh stop
	@$(LOCAL)/infra.sh down

status: ## what runs: infrastructure, each service ready or not and its lag, the SMTP and SMS stand-ins, Prometheus
	@$(LOCAL)/infra.sh status || true
	@$(LOCAL)/services.sh status || true
	@$(LOCAL)/prometheus.sh status || true

test: install browser-deps monitoring-deps k8s-deps ## install, start infrastructure, run every test, stop what it started
	@$(LOCAL)/with-infra.sh $(PY) -m pytest
	@$(MAKE) --no-print-directory cluster-smoke

test-browser: install browser-deps ## only the browser tests (Playwright + Chromium + axe-core)
	@$(LOCAL)/with-infra.sh $(PY) -m pytest -m browser tests/browser

browser-deps: ## Debian's Chromium (for Playwright) and axe-core (npm) for the browser tests
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "the browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; fi; }
	@[ -f tests/browser/node_modules/axe-core/axe.min.js ] || npm ci --prefix tests/browser --no-audit --no-fund --silent

monitoring-deps: ## Debian's Prometheus (and promtool), for `make run` and the alert rules' tests
	@command -v promtool >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
		else echo "Prometheus is needed: sudo apt-get install prometheus"; exit 1; fi; }

bench-deps: ## Debian's wrk (a C load generator: the load must not be the limit)
	@command -v wrk >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
		else echo "the benchmarks need Debian's wrk: sudo apt-get install wrk"; exit 1; fi; }

k8s-deps: install ## schemas and tools for tests/k8s (Kubernetes', Strimzi's, CloudNativePG's, KEDA's) in .local/k8s
	@UV="$(UV)" tests/k8s/tools/setup.sh

test-fast: install ## unit and integration tests without the end-to-end processes
	@$(LOCAL)/with-infra.sh $(PY) -m pytest -m "not e2e and not browser"

lint: install ## ruff, mypy (strict everywhere), import-linter (layers of every service)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy -p voimala_contracts -p voimala_kit -p voimala_ops
	.venv/bin/mypy -p voimala_participants -p voimala_scheduling -p voimala_matching -p voimala_notifications -p voimala_portal
	.venv/bin/lint-imports

fmt: install ## format and autofix
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

bench: install bench-deps ## every benchmark: the services' (bench/<service>_*.py), then the platform's; into docs/benchmarks.md
	@$(LOCAL)/with-infra.sh bash -c 'for b in bench/*_*.py; do $(PY) "$$b" || exit 1; done; $(PY) bench/run.py && $(PY) bench/forget.py'

bench-platform: install ## only the outbox -> Kafka -> consumer pipeline and its bounds
	@$(LOCAL)/with-infra.sh $(PY) bench/run.py

cluster: install keys ## 3 Kafka brokers (RF 3, min ISR 2), a PostgreSQL and 2 replicas of every service (deploy/local/cluster.py)
	@$(PY) deploy/local/cluster.py start
cluster-stop: ## stop what `make cluster` started
	@$(PY) deploy/local/cluster.py stop
cluster-smoke: install keys ## the scale-out proof reduced for make test: a broker SIGKILLed under load, in the three-broker cluster
	@$(PY) deploy/local/cluster.py start && VOIMALA_CLUSTER_RATE=4 $(PY) -m pytest -q -p no:cacheprovider -m faults tests/k8s/cluster -k broker_killed; \
		rc=$$?; $(PY) deploy/local/cluster.py stop; exit $$rc
cluster-faults: cluster ## brokers and replicas killed and restarted under load: nothing lost, nothing doubled; then stops the cluster
	@$(PY) -m pytest -q -p no:cacheprovider -m faults -s tests/k8s/cluster; rc=$$?; $(PY) deploy/local/cluster.py stop; exit $$rc

faults: install ## the long fault runs: the broker away for 30 s, the SMTP server for 60 s
	@$(LOCAL)/with-infra.sh $(PY) -m pytest -m faults tests/faults
	@VOIMALA_FAULT_SMTP_OUTAGE_SECONDS=60 $(LOCAL)/with-infra.sh $(PY) -m pytest \
		services/notifications/tests/test_delivery.py -k smtp_server_down

ARGS ?= --help
ops: install ## the operations command: make ops ARGS="status" | "dlq list" | "dlq show ID" | "dlq replay ..."
	@.venv/bin/voimala-ops $(ARGS)

ROLE ?= coordinator
token: keys ## a signed development token: make token ROLE=<role> [SUB=<id>] [ORG=<partner id>]
	@$(PY) -m voimala_kit.devtoken --keys $(KEYS) --role $(ROLE) $(if $(SUB),--sub $(SUB)) $(if $(ORG),--org $(ORG))

compose-check: ## validate docker-compose.yml (needs only the docker client)
	docker compose config --quiet

docs: install ## regenerate docs/events.md from the contracts
	@$(PY) -m voimala_contracts.catalogue > docs/events.md
