# The two set-up commands: `make run` (the demo) and `make test` (the whole suite).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
NPM ?= npm

# An interpreter of Python 3.12 or newer that actually runs (pyenv shims may exist but fail).
FIND_PYTHON := for c in "$$PYTHON" python3.14 python3.13 python3.12 python3 \
	$$(ls -d "$$(pyenv root 2>/dev/null)"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	[ -n "$$c" ] && "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 \
	&& { command -v "$$c"; exit 0; }; done; exit 1

# The demo: SQLite, Celery tasks run in-process, e-mails printed to the console.
DEMO_ENV := DJANGO_DEBUG=true MFA_TOTP_INSECURE_BYPASS_CODE=000000

# The tests: the real PostgreSQL and Redis on this machine unless told otherwise.
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ssp
REDIS_URL ?= redis://127.0.0.1:6379/0
CHROMIUM ?= /usr/bin/chromium
TEST_ENV := DATABASE_URL=$(DATABASE_URL) REDIS_URL=$(REDIS_URL) DJANGO_DEBUG=false \
	DJANGO_SECURE=false CHROMIUM=$(CHROMIUM) \
	STATICFILES_BACKEND=django.contrib.staticfiles.storage.StaticFilesStorage \
	DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(50))') \
	MFA_TOTP_INSECURE_BYPASS_CODE= \
	MFA_ENCRYPTION_KEY=$$($(PY) -c 'import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())')

.PHONY: help run test assets lint licences clean

help:
	@echo "make run   - set up and serve the demo on http://127.0.0.1:8000"
	@echo "make test  - install the test tools and run the whole suite"

$(VENV)/.installed: pyproject.toml
	@py=$$($(FIND_PYTHON)) || { echo "Python 3.12 or newer is needed: install it, or set PYTHON=/path/to/python3.12"; exit 1; }; \
	echo "Using $$py ($$($$py --version))"; \
	[ -x $(PY) ] || "$$py" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	@command -v $(NPM) >/dev/null || { echo "Node.js 20 and npm are needed for the GOV.UK styles"; exit 1; }
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed
	$(NPM) run --silent build

run: $(VENV)/.installed assets
	$(DEMO_ENV) $(PY) manage.py migrate --no-input
	$(DEMO_ENV) $(PY) manage.py seed_demo
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:8000

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Debian's chromium: sudo apt-get install chromium (or set CHROMIUM=/path/to/chromium)"; exit 1; \
	fi

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: $(VENV)/.test-installed assets $(CHROMIUM) lint
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# The licences of the installed Python and npm packages (the Dockerfile writes the image's own).
licences: $(VENV)/.installed
	$(DEMO_ENV) $(PY) manage.py third_party_licences --output THIRD_PARTY_LICENCES.txt

clean:
	rm -rf $(VENV) node_modules static/dist staticfiles THIRD_PARTY_LICENCES.txt
