"""``python -m web``: serve the app with waitress and run the timer scheduler beside it.

Prints the URL and the demo logins. Settings: QIANGJIAN_DATABASE_URL, QIANGJIAN_HOST, QIANGJIAN_PORT.
"""

from __future__ import annotations

import logging
import os

from waitress import serve

from engine import DEMO_PASSWORD, make_scheduler, prepare_database

from . import create_app
from .system import get_system


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    host = os.environ.get("QIANGJIAN_HOST", "127.0.0.1")
    port = int(os.environ.get("QIANGJIAN_PORT", "5000"))
    app = create_app()
    with app.app_context():
        system = get_system()
        summary = prepare_database(system, demo=True)
    scheduler = make_scheduler(system, interval_seconds=30)
    scheduler.start()
    print(f"\n强检 Qiangjian is running at http://{host}:{port}/  (Ctrl+C stops)")
    if summary is not None:
        print(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, logins in sorted(summary.by_role().items()):
            print(f"  {role:15} " + ", ".join(f"{x.username} ({x.organisation})" for x in logins[:4]))
    try:
        serve(app, host=host, port=port, threads=8)
    finally:
        scheduler.shutdown(wait=False)


if __name__ == "__main__":
    main()
