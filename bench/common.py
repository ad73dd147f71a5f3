"""Shared helpers for the benchmarks: a fresh system, a SQL statement counter, percentiles."""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import event

from engine.bootstrap import System, open_system, prepare_database


class Clock:
    """A settable clock, so benchmarks control what is due."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def fresh_system(url: str | None, clock: Clock) -> tuple[System, Any]:
    """A migrated database with calendar, diagrams and demo data; SQLite in a temp dir by default."""
    tmp = tempfile.TemporaryDirectory()
    url = url or f"sqlite:///{Path(tmp.name) / 'bench.sqlite'}"
    system = open_system(url, clock=clock)
    prepare_database(system, demo=True)
    return system, tmp


@dataclass
class StatementCounter:
    """Counts SQL statements sent to the database (an executemany counts once)."""

    count: int = 0

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self.count += 1


@contextmanager
def counting_statements(system: System) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(system.db, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(system.db, "before_cursor_execute", counter)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.3f} ms, p95 {percentile(values, 95) * 1000:.3f} ms"


UTC = timezone.utc
