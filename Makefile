# Fil rouge — the two commands: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BENCH_N ?= 100000
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test bench quality fix graph clean

$(VENV)/.installed: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

install: $(VENV)/.installed

## make run: install, migrate, load the demo, then web + Celery worker + beat (Ctrl-C stops all).
run: install
	@mkdir -p var/log
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  Fil rouge : http://$(HOST):$(PORT)/   (API : /api/docs/, administration : /admin/)"
	@echo "  Comptes de démonstration (mot de passe : $${DEMO_PASSWORD:-demo-filrouge-2026}) :"
	@echo "    referent.niortais  — référent unique (Département, Niortais)"
	@echo "    chef.niortais      — responsable d'équipe (Département, Niortais)"
	@echo "    orientation        — chargée d'orientation (tous territoires)"
	@echo "    referent.ft-niort  — référente France Travail Niort"
	@echo "    admin              — administrateur (configuration uniquement)"
	@echo "  Base : $${DATABASE_URL:-SQLite var/filrouge.sqlite3}   Broker : $${CELERY_BROKER_URL:-$${REDIS_URL:-filesystem (var/broker)}}"
	@echo "  Ctrl-C arrête le serveur web, le worker et beat (journaux : var/log/worker.log, var/log/beat.log)."
	@echo ""
	@$(PY) -m config.supervisor --host $(HOST) --port $(PORT) --log-dir var/log

## make test: install and run the whole suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set).
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

## make bench: measure at BENCH_N pathways on PostgreSQL (DATABASE_URL must point to it).
bench: install
	$(PY) -m bench.run --n $(BENCH_N)

quality: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	env -u DATABASE_URL DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

fix: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf var
