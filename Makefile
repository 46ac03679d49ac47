# The two commands: `make run` and `make test`. Everything else is a step they use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONWARNINGS ?= ignore::UserWarning:platformdirs.api

.PHONY: run test install db migrate sample lint format check stop-db clean-db help backup restore bench bench-import explain load audit screenshots cluster alerts

help:
	@echo "make run      - install, start the database, migrate, load sample data, serve on http://$(HOST):$(PORT)"
	@echo "make test     - the whole test suite"
	@echo "make lint     - ruff, mypy and migration checks"
	@echo "make stop-db  - stop the project's own PostgreSQL server"
	@echo "make bench    - benchmark under gunicorn/production settings (BENCH_SIZES=10000,1000000)"
	@echo "make bench-import - time import_notes on 10 000 generated files (database bench_import)"
	@echo "make cluster  - primary + streaming replica + cache + two app servers behind a proxy on :$(PORT)"
	@echo "make screenshots - every public page type at 360 and 1280 px, Swedish and English, in artifacts/screenshots/"
	@echo "make alerts   - send the email alerts due (manage.py send_alerts; printed, not sent, unless EMAIL_URL is set)"
	@echo "make backup   - dump the database to backups/archive-YYYYmmdd-HHMMSS.dump"
	@echo "make restore FILE=backups/....dump - replace the database with a backup (asks first)"

$(PY):
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python >= 3.11 is needed" or 0)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

# Catalogues are compiled with Babel, so no system gettext is needed.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d locale -D django -l $* >/dev/null

install: $(VENV)/.installed $(MO_FILES)

# Starts (or reattaches to) the embedded server unless DATABASE_URL names another one.
db: install
	$(MANAGE) check --database default

migrate: db
	$(MANAGE) migrate --noinput

sample: migrate
	$(MANAGE) load_sample_data --if-empty

# exec: the server replaces the shell, so a plain `kill` of make (which passes SIGTERM on to
# its children) reaches it, and it stops its autoreloaded child (huddinge_archive/processes.py).
run: sample
	DEBUG=$${DEBUG:-1} SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} exec $(MANAGE) runserver $(HOST):$(PORT)

# What cron runs in production; here the emails are printed unless EMAIL_URL says otherwise.
alerts: migrate
	DEBUG=$${DEBUG:-1} SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(MANAGE) send_alerts

test: install
	$(PY) -m pytest --cov --cov-report=term

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(MANAGE) makemigrations --check --dry-run

# Every page type at 360 and 1280 px in both languages, as the accessibility tests see them
# (Chromium, seeded pages, axe run too), written to artifacts/screenshots/ for a reviewer.
screenshots: install
	$(PY) -m pytest tests/browser/test_accessibility.py -k test_page_type_meets_wcag_21_aa -q -p no:cacheprovider
	@ls artifacts/screenshots/*.png | wc -l | xargs echo "screenshots in artifacts/screenshots/:"

# Known vulnerabilities in the installed dependencies (pip-audit; see .ci/audit.py).
audit: install
	$(PY) .ci/audit.py

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Not part of the test suite: figures, not assertions (see bench/README.md).
bench: migrate
	$(PY) bench/run.py

# The topology of README's "Running at scale", on this machine, in .cluster/ (Ctrl-C stops it).
cluster: install
	PORT=$(PORT) exec $(PY) bench/cluster.py

# import_notes on 10 000 generated annotation files, in a freshly recreated bench_import
# (or DATABASE_URL's bench_/helper_ database); the script starts the server and migrates.
BENCH_IMPORT_FILES ?= 10000
bench-import: install
	$(PY) bench/import_bench.py --reset --files $(BENCH_IMPORT_FILES)

# 50 clients for 60 s against gunicorn with production settings; fails on any 5xx.
explain: migrate
	$(PY) bench/explain.py

load: migrate
	$(PY) bench/load.py

backup: migrate
	$(MANAGE) backup_db

restore: migrate
	@test -n "$(FILE)" || (echo "usage: make restore FILE=backups/archive-....dump" && false)
	$(MANAGE) restore_db $(FILE)

stop-db: install
	$(PY) -m huddinge_archive.embedded_db stop

clean-db: stop-db
	rm -rf .pgdata
