"""Inbox latency with 100,000 open tasks: the page and GET /api/tasks, first page of each filter.

Usage: python -m bench.bench_inbox [--db URL] [--tasks 100000] [--requests 200] [--warmup 20]

The database gets the demo organisations plus 600 owner units, and ``--tasks`` open tasks (each with its
running case, carrying a real ~10 KB case state, and a completed predecessor task) spread over every
institute, bureau and owner; 2 % of them (2,000 of 100,000) are in the measured clerk's group
(shenyang_institute: Shenyang city institute, roles institute + filing_handler), a tenth of those claimed
by the clerk and a sixth by five colleagues. Due times spread from 10 days ago to 20 days ahead.

The app runs under waitress (4 threads) in a subprocess on loopback; one client thread signs in once and
sends its requests over one keep-alive connection with http.client (session cookie, as the pages do; HTTP
Basic would add a password hash per request). Per filter and endpoint: ``--warmup`` unmeasured requests,
then ``--requests`` timed ones (wall time from sending to the last byte). Target: p95 < 30 ms.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime
from urllib.parse import urlencode

from engine import utc_now
from engine.bootstrap import open_system
from engine.reads.inbox_filters import InboxFilter, due_window, inbox_statement

from .common import Clock, fresh_system, percentile
from .inbox_rows import GROUP, open_task_world

TARGET_P95_MS = 30.0
FILTERS: list[tuple[str, dict[str, str]]] = [
    ("all (default)", {}),
    ("mine", {"view": "mine"}),
    ("group unclaimed", {"view": "group"}),
    ("overdue", {"due": "overdue"}),
    ("due in 2 working days", {"due": "2wd"}),
    ("due today", {"due": "today"}),
    ("process filing", {"process_id": "filing"}),
    ("task verify", {"spec_name": "verify"}),
    ("county 210181", {"county_code": "210181"}),
    ("instrument type", {"instrument_type": "fuel_dispenser"}),
    ("text: case number prefix", {"text": "QJ20260001"}),
    ("text: owner name", {"text": "加油站"}),
    ("sort due desc", {"sort": "-due"}),
    ("combined", {"view": "group", "county_code": "210102", "instrument_type": "electronic_scale", "due": "2wd"}),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the server subprocess
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.db, args.port)
    clock = Clock(utc_now())
    system, scratch = fresh_system(args.db, clock)
    try:
        started = time.perf_counter()
        open_task_world(system, args.tasks, clock.now)
        print(f"bench_inbox {datetime.now():%Y-%m-%d} on CPython {platform.python_version()}, {os.cpu_count()} CPUs, "
              f"database {system.db.dialect.name}, {args.tasks} open tasks (+ as many completed), "
              f"filled in {time.perf_counter() - started:.0f} s")
        show_plans(scratch.url, system.db.dialect.name)
        measure(scratch.url, args)
    finally:
        scratch.close()


def serve(url: str, port: int) -> None:
    """The server process: the real app under waitress."""
    from waitress import serve as waitress_serve

    from web import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "PAGE_SIZE": 20})
    waitress_serve(app, host="127.0.0.1", port=port, threads=4, _quiet=True)


def measure(url: str, args: argparse.Namespace) -> None:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "bench.bench_inbox", "--serve", "--db", url,
                               "--port", str(port)])
    try:
        client = Client(port)
        client.sign_in(GROUP[1], "demo1234")
        print(f"\n{'filter':28} {'rows':>5} {'page median':>12} {'page p95':>9} {'api median':>11} {'api p95':>8}")
        missed = []
        for label, params in FILTERS:
            query = urlencode(params)
            page = client.timings("/?" + query, args.warmup, args.requests)
            api = client.timings("/api/tasks?" + query, args.warmup, args.requests)
            rows = len(re.findall(r'name="task_id" value=', client.get("/?" + query)[1]))
            print(f"{label:28} {rows:5d} {_ms(statistics.median(page)):>12} {_ms(percentile(page, 95)):>9} "
                  f"{_ms(statistics.median(api)):>11} {_ms(percentile(api, 95)):>8}")
            missed += [f"{label} {name} p95 {_ms(percentile(t, 95))} ms" for name, t in (("page", page), ("api", api))
                       if percentile(t, 95) * 1000 >= TARGET_P95_MS]
        print(f"\ntarget p95 < {TARGET_P95_MS:g} ms: " + ("met for every filter" if not missed else
                                                          "MISSED for " + "; ".join(missed)))
    finally:
        server.terminate()
        server.wait(10)


class Client:
    """One keep-alive connection and the session cookie."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""
        self._wait_for_server()
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def _wait_for_server(self) -> None:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def get(self, path: str) -> tuple[int, str]:
        self.conn.request("GET", path, headers={"Cookie": self.cookie})
        response = self.conn.getresponse()
        body = response.read().decode()
        self._keep_cookie(response)
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status}")
        return response.status, body

    def sign_in(self, username: str, password: str) -> None:
        _status, html = self.get("/auth/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert token is not None
        body = urlencode({"username": username, "password": password, "csrf_token": token.group(1)})
        self.conn.request("POST", "/auth/login", body=body, headers={
            "Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"})
        response = self.conn.getresponse()
        response.read()
        self._keep_cookie(response)
        assert response.status == 302, response.status

    def _keep_cookie(self, response: http.client.HTTPResponse) -> None:
        found = re.match(r"session=([^;]+)", response.getheader("Set-Cookie") or "")
        if found:
            self.cookie = f"session={found.group(1)}"

    def timings(self, path: str, warmup: int, count: int) -> list[float]:
        for _ in range(warmup):
            self.get(path)
        spent = []
        for _ in range(count):
            started = time.perf_counter()
            self.get(path)
            spent.append(time.perf_counter() - started)
        return spent


def show_plans(url: str, dialect: str) -> None:
    """The query plans of the inbox statement for a few filters, to see which index drives it."""
    from sqlalchemy import select, text

    from engine import User, actor_for

    system = open_system(url)
    with system.readers() as session:
        clerk = actor_for(session.scalars(select(User).where(User.username == GROUP[1])).one())
        window = due_window(session, system.engine)
        for label, params in (FILTERS[0], FILTERS[1], FILTERS[8], FILTERS[11]):
            statement = inbox_statement(clerk, InboxFilter(**params), window).limit(21)
            sql = str(statement.compile(system.db, compile_kwargs={"literal_binds": True}))
            prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
            plan = [str(row[-1]).strip() for row in session.execute(text(prefix + sql))]
            print(f"  plan [{label}]: " + " | ".join(plan[:8]))
    system.db.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


if __name__ == "__main__":
    main()
