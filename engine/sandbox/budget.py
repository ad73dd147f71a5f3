"""The time and memory budget of one run of diagram code, and the error that ends a run over it.

Instrumented code (see ``instrument``) calls ``Meter.tick`` at the top of every loop body, comprehension
step and function call. A tick compares ``time.monotonic()`` with the run's deadline and, every few
ticks, the process's resident memory (``/proc/self/statm``) with what it was when the run began. Single
operations that would allocate a lot at once are refused before they run (``limits``), since no tick
happens inside them.

``BudgetExceeded`` derives from BaseException so ``except Exception`` in a script cannot swallow it; the
meter is also sticky: once over budget, every later tick raises again and the environment re-checks the
meter after the run, so a script that catches it anyway still fails.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

DEFAULT_SECONDS = 1.0
DEFAULT_MEMORY_MB = 256
SECONDS_SETTING = "QIANGJIAN_SCRIPT_SECONDS"
MEMORY_SETTING = "QIANGJIAN_SCRIPT_MEMORY_MB"
_CHECK_EVERY = 16  # ticks between clock and memory reads; a statm read costs a few microseconds
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
Kind = Literal["time", "memory"]


@dataclass(frozen=True)
class Budget:
    """How long one script, condition, timer expression or decision cell may run and how much it may allocate."""

    seconds: float = DEFAULT_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB

    def __post_init__(self) -> None:
        if not self.seconds > 0 or self.memory_mb <= 0:
            raise ValueError(f"a script budget needs positive limits, not {self.seconds} s and {self.memory_mb} MB")

    @property
    def memory_bytes(self) -> int:
        return self.memory_mb * 1024 * 1024

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> Budget:
        """The budget set by QIANGJIAN_SCRIPT_SECONDS and QIANGJIAN_SCRIPT_MEMORY_MB, else the defaults."""
        env = os.environ if environ is None else environ
        seconds = env.get(SECONDS_SETTING) or str(DEFAULT_SECONDS)
        memory = env.get(MEMORY_SETTING) or str(DEFAULT_MEMORY_MB)
        try:
            return cls(float(seconds), int(memory))
        except ValueError as exc:
            raise ValueError(f"{SECONDS_SETTING}={seconds!r} / {MEMORY_SETTING}={memory!r}: {exc}") from exc

    def describe(self, kind: Kind) -> str:
        """The limit in Chinese: 「1 秒」 or 「256 MB」."""
        if kind == "time":
            return f"{self.seconds:g} 秒"
        return f"{self.memory_mb} MB"


class BudgetExceeded(BaseException):  # noqa: N818 - named for what happened, like StopIteration
    """Diagram code ran past its time budget or tried to use more memory than its budget."""

    def __init__(self, kind: Kind, detail: str = "") -> None:
        self.kind = kind
        self.detail = detail
        super().__init__(kind, detail)


def resident_bytes() -> int:
    """Resident memory of this process (0 where /proc is missing: then only the pre-checks apply)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


class Meter:
    """The budget of one run: a deadline, a memory baseline and a tick counter."""

    __slots__ = ("budget", "deadline", "baseline", "ticks", "exceeded")

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.deadline = time.monotonic() + budget.seconds
        self.baseline = -1  # read on the first check: most conditions never tick that often
        self.ticks = 0
        self.exceeded: BudgetExceeded | None = None

    def tick(self) -> bool:
        """Called by instrumented code; True so it can stand in a comprehension's condition."""
        self.ticks += 1
        if self.ticks % _CHECK_EVERY == 0 or self.exceeded is not None:
            self.check()
        return True

    def check(self) -> None:
        """Raise BudgetExceeded when the run is past its deadline or has grown past its memory budget."""
        if self.exceeded is not None:
            raise self.exceeded
        if time.monotonic() > self.deadline:
            self.fail("time")
        resident = resident_bytes()
        if self.baseline < 0:
            self.baseline = resident
        elif resident - self.baseline > self.budget.memory_bytes:
            self.fail("memory", f"已多占用约 {(resident - self.baseline) // (1024 * 1024)} MB")

    def check_swallowed(self) -> None:
        """Raise again when the code caught the budget error and carried on."""
        if self.exceeded is not None:
            raise self.exceeded

    def fail(self, kind: Kind, detail: str = "") -> None:
        """Stop the run (and every later tick of it) with BudgetExceeded."""
        self.exceeded = BudgetExceeded(kind, detail)
        raise self.exceeded

    def refuse_size(self, estimated_bytes: int, what: str) -> None:
        """Refuse an operation whose result would take more than the memory budget, before it runs."""
        if estimated_bytes > self.budget.memory_bytes:
            self.fail("memory", f"{what}约需 {estimated_bytes // (1024 * 1024):,} MB")


_CURRENT: ContextVar[Meter | None] = ContextVar("qiangjian_script_meter", default=None)


def current_meter() -> Meter:
    """The meter of the run in progress in this thread (a fresh default one outside any run)."""
    return _CURRENT.get() or Meter(Budget())


@contextmanager
def metered(meter: Meter) -> Iterator[Meter]:
    """Make ``meter`` the current one for the block (nested runs get their own and restore the outer)."""
    token = _CURRENT.set(meter)
    try:
        yield meter
    finally:
        _CURRENT.reset(token)
