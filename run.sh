#!/usr/bin/env bash
# Set up and run Qiangjian on SQLite (or the PostgreSQL of QIANGJIAN_DATABASE_URL) with demo data: migrate,
# seed the calendar, deploy bpmn/, load the Liaoning demo organisations and users, build the demo cases at
# every stage (once per database: qiangjian demo-world), then serve the web app (with the timer scheduler)
# and print its URL and the demo logins.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
export QIANGJIAN_DATABASE_URL="${QIANGJIAN_DATABASE_URL:-sqlite:///instance/qiangjian.sqlite}"
# A PostgreSQL URL needs its driver, the postgres extra (psycopg).
case "$QIANGJIAN_DATABASE_URL" in
  postgres*) TARGET='.[postgres]' ;;
  *) TARGET='.' ;;
esac
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$TARGET"
# The case page's diagram viewer (bpmn-js) is served from node_modules; without Node.js it shows no diagram.
if command -v npm >/dev/null 2>&1; then
  npm ci --silent --no-audit --no-fund
fi
.venv/bin/qiangjian init-db --demo >/dev/null
.venv/bin/qiangjian demo-world  # past working days replayed through the engine; skipped when already built
exec .venv/bin/python -m web --demo  # --demo: print the demo logins (without it no demo account is made)
