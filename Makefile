# AidTrack: `make run` sets everything up and serves; `make test` lints and tests.
# Every target is idempotent; stamps make repeated runs fast.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup test lint format worker beat migrate demo assets messages lock clean help

help:
	@echo "make run     set up everything and serve on http://$(HOST):$(PORT)"
	@echo "make test    ruff + the whole pytest suite"
	@echo "make worker  Celery worker (needs REDIS_URL)"
	@echo "make beat    Celery beat (needs REDIS_URL)"

$(VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

var/vendor/.collected: node_modules/.installed scripts/collect-vendor.sh
	sh scripts/collect-vendor.sh
	touch $@

assets: var/vendor/.collected

migrate: $(VENV)/.installed
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) load_regions
	$(MANAGE) load_indicators
	$(MANAGE) load_default_rubric --years 2021-2025
	$(MANAGE) load_demo

setup: $(VENV)/.installed assets demo

run: setup
	@echo ""
	@echo "AidTrack is starting on http://$(HOST):$(PORT)/"
	@echo "Demo logins (password aidtrack-demo): admin, leader, coord_zs (中山→六盘水), coord_gz (广州→毕节), partner (API only), ca_leader and ca_member (淳安→巴塘 team, phone check-in)"
	@echo ""
	$(MANAGE) runserver $(HOST):$(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: $(VENV)/.installed assets lint
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest --create-db -n auto

worker: $(VENV)/.installed
	@test -n "$$REDIS_URL" || (echo "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0): without it tasks run eagerly in the web process." && exit 1)
	$(BIN)/celery -A aidtrack worker -l info

beat: $(VENV)/.installed
	@test -n "$$REDIS_URL" || (echo "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) for beat." && exit 1)
	mkdir -p var
	$(BIN)/celery -A aidtrack beat -l info --schedule var/celerybeat-schedule

# Extract strings and compile the catalogues (needs GNU gettext; the compiled
# .mo files are committed so set-up never needs it).
messages: $(VENV)/.installed
	$(MANAGE) makemessages -l zh_Hans -l en --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'var/*'
	$(MANAGE) compilemessages --ignore '.venv/*' --ignore 'node_modules/*'

# Re-pin dependencies after changing pyproject.toml.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	(echo '# Pinned versions for reproducible installs: `pip install -c constraints.txt -e ".[dev]"`.'; \
	 echo '# Refresh with `make lock` after changing pyproject.toml.'; \
	 .lock-venv/bin/pip freeze --exclude-editable) > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) node_modules var/vendor staticfiles .pytest_cache .ruff_cache
