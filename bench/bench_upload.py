"""A filing through the web, as issue 8's users met it: the upload page, the API, the case and task pages.

Usage: python -m bench.bench_upload [--db postgresql] [--sizes 10,100,1000,5000]

The real Flask app (``web.create_app``, CSRF on) on a fresh database with the demo loaded, driven by its
test client in this process (no network; a response's time is the app's time plus the client's encoding).
For each size N:
- upload:     the owner ``xinmin_gas``, signed in through the form, posts a CSV of N fuel dispensers (the
              template's Chinese header) to ``/owner/filings/upload`` for county 210181 (answer: 302);
- API start:  the same owner files another N through ``POST /api/cases`` with HTTP Basic (answer: 201);
- case page, task page: ``xinmin_institute`` (the county's filing handler), signed in through the form, GETs
              ``/cases/<id>`` and the ``review_filing`` task's ``/tasks/<id>`` of the API-started case
              (median of 3 each; the page's length in brackets);
- accept:     the same clerk completes that task with "accept" through ``POST /api/tasks/<id>/complete``
              (HTTP Basic); ``register_filing`` writes the N ledger rows in the same request;
- peak RSS:   ``ru_maxrss`` of this process after the size (a high-water mark: it never goes down).
Then a CSV of 5,001 rows (one over the cap) through the upload page: 422 with the cap message, and its time.
HTTP Basic checks the password on every request, so the API times include one password hash.
"""

from __future__ import annotations

import argparse
import io
import platform
import re
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from engine import MAX_FILING_INSTRUMENTS, Case, Instrument, Task, prepare_database, too_many_instruments
from web import create_app
from web.owners.instrument_upload import TEMPLATE_HEADER
from web.shared.system import get_system

from .bench_engine import COUNTY, FILING_HANDLER, NOW, OWNER, instrument_item
from .common import Clock, scratch_database

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/qiangjian"
PASSWORD = "demo1234"
CSV_ROW = "燃油加油机,DJY-222,{serial},燃油加油机,工作计量器具,是,贸易结算,一号岛\n"
COLUMNS = ("size", "upload", "API start", "case page", "task page", "accept", "peak RSS")


def timed(call: Callable[[], TestResponse]) -> tuple[float, TestResponse]:
    started = time.perf_counter()
    response = call()
    return time.perf_counter() - started, response


def expect(response: TestResponse, status: int, what: str) -> None:
    if response.status_code != status:
        body = response.get_data(as_text=True)[:500]
        raise RuntimeError(f"{what}: {response.status_code} instead of {status}: {body}")


def csrf_token(client: FlaskClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    if found is None:
        raise RuntimeError(f"no CSRF token on {path}")
    return found.group(1)


def sign_in(app: Flask, username: str) -> FlaskClient:
    """A client signed in through the login form, with the form's real CSRF token."""
    client = app.test_client()
    response = client.post("/auth/login", data={"username": username, "password": PASSWORD,
                                                "csrf_token": csrf_token(client, "/auth/login")})
    expect(response, 302, f"sign-in of {username}")
    return client


def upload(client: FlaskClient, tag: str, size: int) -> TestResponse:
    """Post a CSV of ``size`` dispensers to the upload page, as the page's form sends it."""
    body = TEMPLATE_HEADER + "\n" + "".join(CSV_ROW.format(serial=f"{tag}-{i:05d}") for i in range(size))
    token = csrf_token(client, "/owner/filings/upload")
    # Encoded in memory: the test client spools a big body to a temporary file it never closes.
    boundary, payload = encode_multipart({"csrf_token": token, "county_code": COUNTY, "file": FileStorage(
        io.BytesIO(body.encode()), filename="list.csv")})
    return client.post("/owner/filings/upload", data=payload,
                       content_type=f"multipart/form-data; boundary={boundary}")


class Bench:
    """The app on a fresh database, an owner's and a clerk's signed-in clients."""

    def __init__(self, url: str, drafts: Path) -> None:
        self.app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "CLOCK": Clock(NOW),
                               "DRAFTS_DIR": drafts})
        with self.app.app_context():
            prepare_database(get_system(), demo=True)
            self.dialect = get_system().db.dialect.name
        self.owner, self.clerk = sign_in(self.app, OWNER), sign_in(self.app, FILING_HANDLER)
        self.api = self.app.test_client()  # no cookie: HTTP Basic only

    def cases(self) -> int:
        with self.app.app_context(), get_system().readers() as s:
            return int(s.scalar(select(func.count()).select_from(Case)) or 0)

    def review_task(self, case_id: int) -> str:
        with self.app.app_context(), get_system().readers() as s:
            return str(s.scalars(select(Task.id).where(Task.case_id == case_id, Task.spec_name == "review_filing",
                                                       Task.status == "ready")).one())

    def registered(self, case_id: int) -> int:
        with self.app.app_context(), get_system().readers() as s:
            return int(s.scalar(select(func.count()).select_from(Instrument).where(
                Instrument.filing_case_id == case_id)) or 0)

    def run(self, size: int) -> dict[str, float]:
        out: dict[str, float] = {}
        before = self.cases()
        out["upload"], response = timed(lambda: upload(self.owner, f"U{size}", size))
        expect(response, 302, f"upload of {size}")
        if self.cases() != before + 1:
            raise RuntimeError("the upload answered 302 but filed no case")
        items = [instrument_item(f"A{size}-{i:05d}") for i in range(size)]
        out["API start"], response = timed(lambda: self.api.post("/api/cases", auth=(OWNER, PASSWORD), json={
            "process": "filing", "county_code": COUNTY, "instruments": items}))
        expect(response, 201, f"API start of {size}")
        case_id = int(response.get_json()["case_id"])
        task_id = self.review_task(case_id)
        out["case page"], out["case page bytes"] = self._median_get(f"/cases/{case_id}")
        out["task page"], out["task page bytes"] = self._median_get(f"/tasks/{task_id}")
        out["accept"], response = timed(lambda: self.api.post(
            f"/api/tasks/{task_id}/complete", auth=(FILING_HANDLER, PASSWORD),
            json={"data": {"filing_decision": "accept"}}))
        expect(response, 200, f"accept of {size}")
        if response.get_json()["status"] != "completed" or self.registered(case_id) != size:
            raise RuntimeError(f"the accepted filing of {size} is not completed and registered")
        out["peak RSS"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
        return out

    def _median_get(self, path: str) -> tuple[float, float]:
        """The median time of 3 GETs by the clerk, and the page's length in bytes."""
        times = []
        for _ in range(3):
            spent, response = timed(lambda: self.clerk.get(path))
            expect(response, 200, f"GET {path}")
            times.append(spent)
        return statistics.median(times), len(response.get_data())

    def basic_auth_alone(self) -> float:
        """What HTTP Basic adds to every API request: the password check, on a request that then answers 404."""
        times = []
        for _ in range(3):
            spent, response = timed(lambda: self.api.get("/api/tasks/no-such-task", auth=(OWNER, PASSWORD)))
            expect(response, 404, "GET of a missing task")
            times.append(spent)
        return statistics.median(times)

    def over_the_cap(self) -> float:
        """A CSV of one row over the cap through the upload page: 422 with the cap message, nothing filed."""
        before, size = self.cases(), MAX_FILING_INSTRUMENTS + 1
        spent, response = timed(lambda: upload(self.owner, "X", size))
        expect(response, 422, f"upload of {size}")
        if too_many_instruments(size) not in response.get_data(as_text=True) or self.cases() != before:
            raise RuntimeError(f"the upload of {size} rows did not answer with the cap message, or filed a case")
        return spent


def row(size: int, out: dict[str, float]) -> str:
    cells = [f"{size:,}"] + [f"{out[c]:.3f} s" + (f" ({out[c + ' bytes'] / 1024:,.0f} KB)" if "page" in c else "")
                             for c in COLUMNS[1:-1]] + [f"{out['peak RSS'] / 2**20:,.0f} MB"]
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=None, help="'postgresql' (a fresh database on 127.0.0.1:5432, dropped "
                                                   "at the end) or a SQLAlchemy URL; default a temp SQLite file")
    parser.add_argument("--sizes", default="10,100,1000,5000", help="instrument counts, comma-separated")
    parser.add_argument("--no-cap", action="store_true", help="skip the 5,001-row upload")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    scratch = scratch_database(PG_URL if args.db == "postgresql" else args.db)
    try:
        with tempfile.TemporaryDirectory() as drafts:
            bench = Bench(scratch.url, Path(drafts))
            commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                    text=True).stdout.strip()
            print(f"# bench_upload on {bench.dialect}, commit {commit}, Python {platform.python_version()}", flush=True)
            bench.run(5)  # warm-up: templates compiled, rule files loaded, pools filled
            print("| " + " | ".join(COLUMNS) + " |\n|" + " --- |" * len(COLUMNS), flush=True)
            for size in sizes:
                print(row(size, bench.run(size)), flush=True)
            print(f"\nHTTP Basic alone (GET of a missing task, median of 3): {bench.basic_auth_alone():.3f} s",
                  flush=True)
            if not args.no_cap:
                print(f"upload of {MAX_FILING_INSTRUMENTS + 1:,} rows: 422 with the cap message in "
                      f"{bench.over_the_cap():.3f} s", flush=True)
            with bench.app.app_context():
                get_system().db.dispose()
    finally:
        scratch.close()


if __name__ == "__main__":
    main()
