"""The fault test's clients: demo users working their inboxes over the HTTP API while the server is killed.

Each client is a thread that signs every request with HTTP Basic (the demo password only: a wrong password
would count toward the sign-in lock) and keeps going through the outages: a refused or cut connection is
an unknown outcome, never an acknowledgement. What the server acknowledged (a 200 for a completion, a 201
for a case start) is recorded, with every status code seen, so the run can check afterwards that no
acknowledged write was lost and that no request answered 5xx.
"""

from __future__ import annotations

import base64
import http.client
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

PASSWORD = "demo1234"  # engine.DEMO_PASSWORD; the fault test only ever sends the right one
REFUSED = "refused"  # no server listening (killed, not yet restarted): nothing was sent
CUT = "cut"  # the connection broke after the request was sent: the server died while handling it


@dataclass
class Tally:
    """What all clients saw; guarded by one lock (the threads share it)."""

    statuses: Counter[str] = field(default_factory=Counter)  # "GET /api/tasks 200", "POST complete cut", ...
    completions: dict[str, str] = field(default_factory=dict)  # task id -> username, acknowledged with 200
    starts: dict[str, str] = field(default_factory=dict)  # case number -> process, acknowledged with 201
    errors: list[str] = field(default_factory=list)  # the first lines of 5xx answers
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, label: str, status: int | str, body: Any = None) -> None:
        with self.lock:
            self.statuses[f"{label} {status}"] += 1
            if isinstance(status, int) and status >= 500:
                self.errors.append(f"{label} {status}: {str(body)[:300]}")

    def total(self, method: str = "", outcome: str = "") -> int:
        """Requests of ``method`` ("" = any) whose outcome starts with ``outcome`` ("5", "409", "cut", ...)."""
        return sum(n for key, n in self.statuses.items()
                   if key.startswith(method) and key.rsplit(" ", 1)[1].startswith(outcome))

    @property
    def server_errors(self) -> int:
        return self.total(outcome="5")


class Api:
    """One user's HTTP Basic client; a new connection per request, so a killed server leaves nothing stale."""

    def __init__(self, port: int, username: str, tally: Tally) -> None:
        self.port, self.username, self.tally = port, username, tally
        token = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Accept": "application/json"}

    def call(self, method: str, path: str, label: str, body: Any = None) -> tuple[int | str, Any]:
        """(status, decoded JSON body), or (REFUSED or CUT, None) when the server did not answer."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            status: int | str = response.status
        except ConnectionRefusedError:
            status, raw = REFUSED, b""
        except (OSError, http.client.HTTPException):
            status, raw = CUT, b""
        finally:
            conn.close()
        decoded = _decode(raw)
        self.tally.count(f"{method} {label}", status, decoded if decoded is not None else raw[:300])
        return status, decoded


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


# What each clerk enters, by task; ``today`` is the server's working day (Beijing time).
Answer = Callable[[random.Random, date, str], dict[str, Any]]
ANSWERS: dict[str, Answer] = {
    "review_filing": lambda rng, today, key: {"filing_decision": "accept"},
    "accept_application": lambda rng, today, key: {"acceptance": "accept"},
    # Half the receipts are dated weeks back, so their deadline and reminder timers are already due.
    "record_receipt": lambda rng, today, key: {
        "received_on": (today - timedelta(days=rng.choice((0, 1, 30, 45)))).isoformat()},
    "verify": lambda rng, today, key: {
        "action": "result", "outcome": "pass", "verified_on": today.isoformat(), "fee": 0,
        "certificate_no": f"FAULT-{key}", "next_due": (today + timedelta(days=365)).isoformat()},
    "handle_escalation": lambda rng, today, key: {
        "escalation_decision": "record_decision", "escalation_note": "已督促检定机构办理"},
}


class Clerk(threading.Thread):
    """Works the user's inbox: pick an open task it knows, sometimes claim it first, complete it."""

    def __init__(self, api: Api, tasks: tuple[str, ...], seed: int, stop: threading.Event,
                 today: Callable[[], date]) -> None:
        super().__init__(name=f"clerk-{api.username}-{seed}", daemon=True)
        self.api, self.tasks, self.stop, self.today = api, tasks, stop, today
        self.rng = random.Random(seed)

    def run(self) -> None:
        while not self.stop.is_set():
            if not self.step():
                time.sleep(0.3)  # nothing to do, or the server is down

    def step(self) -> bool:
        status, page = self.api.call("GET", "/api/tasks?limit=50", "/api/tasks")
        if status != 200 or not isinstance(page, dict):
            return False
        items = [t for t in page.get("items", []) if t.get("spec_name") in self.tasks]
        if not items:
            return False
        task = self.rng.choice(items)
        if self.rng.random() < 0.3 and task.get("assignee_id") is None:
            self.api.call("POST", f"/api/tasks/{task['id']}/claim", "claim")
        data = ANSWERS[task["spec_name"]](self.rng, self.today(), task["id"][:18])
        status, _ = self.api.call("POST", f"/api/tasks/{task['id']}/complete", "complete", {"data": data})
        if status == 200:
            with self.api.tally.lock:
                self.api.tally.completions[task["id"]] = self.api.username
        return isinstance(status, int)


class Owner(threading.Thread):
    """The owner unit: applies for verification of its ledger instruments and files new ones."""

    def __init__(self, api: Api, county: str, spare_instruments: list[int], seed: int, stop: threading.Event) -> None:
        super().__init__(name=f"owner-{api.username}", daemon=True)
        self.api, self.county, self.stop = api, county, stop
        self.spare = list(spare_instruments)
        self.rng = random.Random(seed)
        self.serials = 0

    def run(self) -> None:
        while not self.stop.is_set():
            if self.spare and self.rng.random() < 0.6:
                answered = self.apply(self.spare[0])
                if answered:
                    self.spare.pop(0)
            else:
                answered = self.file()
            time.sleep(0.3)

    def apply(self, instrument_id: int) -> bool:
        """True once the server gave an answer (a retry after an unknown outcome may meet a 409: applied)."""
        body = {"process": "verification_request", "instrument_id": instrument_id}
        status, ref = self.api.call("POST", "/api/cases", "apply", body)
        self._note_start(status, ref, "verification_request")
        return isinstance(status, int)

    def file(self) -> bool:
        items = []
        for _ in range(self.rng.randint(1, 3)):
            self.serials += 1
            items.append({"name": "燃油加油机", "model": "DJY-222", "serial_no": f"FK-{self.rng.getrandbits(40):x}",
                          "instrument_type": "fuel_dispenser", "category": "working", "in_catalogue": True,
                          "purpose": "trade_settlement", "location": f"{self.serials} 号加油岛"})
        body = {"process": "filing", "county_code": self.county, "instruments": items}
        status, ref = self.api.call("POST", "/api/cases", "file", body)
        self._note_start(status, ref, "filing")
        return isinstance(status, int)

    def _note_start(self, status: int | str, ref: Any, process: str) -> None:
        if status == 201 and isinstance(ref, dict):
            with self.api.tally.lock:
                self.api.tally.starts[str(ref.get("case_number"))] = process
