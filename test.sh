#!/usr/bin/env bash
# Run the whole test suite: creates .venv on first use, installs the project with its test extras,
# installs the npm tooling when Node.js is present, then lint, type checks, the dependency check (deptry) and pytest. PostgreSQL variants run when 127.0.0.1:5432 answers, else skip.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
# From npm: diagram tooling (bpmn-moddle, dmn-moddle, bpmnlint) and the case page's viewer (bpmn-js);
# without Node.js those tests skip.
if command -v npm >/dev/null 2>&1; then
  npm ci --silent --no-audit --no-fund
fi
.venv/bin/ruff check engine web tests bench
.venv/bin/mypy engine web
.venv/bin/deptry .  # every import declared in pyproject.toml, every declared dependency used
exec .venv/bin/python -m pytest "$@"
