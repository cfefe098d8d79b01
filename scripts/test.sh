#!/usr/bin/env bash
# Installs narrascope with its test extras into .venv, Debian's Chromium and PostgreSQL (browser and store tests),
# then runs the whole test suite. Safe to run again; pass pytest options through ("$@").
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
bash scripts/install_browser.sh
bash scripts/install_postgres.sh
exec .venv/bin/python -m pytest -q "$@"
