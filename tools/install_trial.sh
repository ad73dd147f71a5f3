#!/usr/bin/env bash
# Package-install trial (CI runs it before the tests): install this working tree NON-editably into a fresh
# virtualenv and run it from an unrelated directory, so a module, template, migration or rule file left out
# of the wheel, or a path found relative to the checkout, fails here instead of on a server.
#   1. copy the tree (tracked and untracked, not ignored files) to a temp dir: a stale build/ cannot leak in;
#   2. python -m venv + pip install <copy> (pip's cache is reused, so a warm run is mostly unpacking);
#   3. from another temp dir: qiangjian --db sqlite:///<tmp>/x.sqlite init-db --demo;
#   4. python -m web on a free port: /auth/login must answer 200 in Chinese, and one allow-listed vendor file
#      200 when a node_modules is there (QIANGJIAN_VENDOR_DIR, else this checkout's); then stop it.
# Prints its time. PYTHON picks the interpreter (default python3).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/qiangjian-trial.XXXXXX")"
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "install trial FAILED: $*" >&2
  if [ -f "$WORK/web.log" ]; then tail -n 30 "$WORK/web.log" >&2; fi
  exit 1
}
START=$SECONDS

mkdir "$WORK/src" "$WORK/run"
(cd "$REPO" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - 2>/dev/null) \
  | tar -xf - -C "$WORK/src"
# The outer interpreter's pip drives the new venv (pip >= 22.3): saves seeding pip into it, a third of the time.
"$PYTHON" -m venv --without-pip "$WORK/venv"
PIP=("$PYTHON" -m pip --python "$WORK/venv/bin/python")
if ! "${PIP[@]}" --version >/dev/null 2>&1; then
  "$WORK/venv/bin/python" -m ensurepip --upgrade >/dev/null
  PIP=("$WORK/venv/bin/python" -m pip)
fi
"${PIP[@]}" install --quiet --disable-pip-version-check "$WORK/src" || fail "pip install of the working tree"
INSTALLED=$((SECONDS - START))

cd "$WORK/run"
export QIANGJIAN_DATABASE_URL="sqlite:///$WORK/run/x.sqlite"
unset QIANGJIAN_RULES_DIR
"$WORK/venv/bin/qiangjian" --db "$QIANGJIAN_DATABASE_URL" init-db --demo >"$WORK/init.log" 2>&1 \
  || { cat "$WORK/init.log" >&2; fail "qiangjian init-db --demo"; }

VENDOR="${QIANGJIAN_VENDOR_DIR:-$REPO/node_modules}"
ASSET="bpmn-js/dist/assets/bpmn-js.css"
PORT="$("$WORK/venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
QIANGJIAN_PORT="$PORT" QIANGJIAN_VENDOR_DIR="$VENDOR" "$WORK/venv/bin/python" -m web >"$WORK/web.log" 2>&1 &
SERVER=$!

# Wait for the server, then check the pages; urllib from the trial's venv, so curl is not needed.
"$WORK/venv/bin/python" - "$PORT" "$VENDOR/$ASSET" "$ASSET" <<'EOF' || fail "python -m web answering"
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

port, local_asset, asset = sys.argv[1:]
base = f"http://127.0.0.1:{port}"


def get(path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(base + path, timeout=10) as answer:
            return answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


for _ in range(120):
    try:
        status, page = get("/auth/login")
        break
    except (urllib.error.URLError, ConnectionError):
        time.sleep(0.5)
else:
    sys.exit("no answer on /auth/login within 60 s")
if status != 200 or "用户名" not in page:
    sys.exit(f"/auth/login answered {status} without the Chinese sign-in form")
print("GET /auth/login: 200, Chinese sign-in form")
if Path(local_asset).is_file():
    status, _ = get(f"/vendor/{asset}")
    if status != 200:
        sys.exit(f"/vendor/{asset} answered {status}")
    print(f"GET /vendor/{asset}: 200")
else:
    print(f"no {local_asset}: vendor file not checked")
EOF

echo "install trial passed in $((SECONDS - START)) s (copy + venv + pip install $INSTALLED s)"
