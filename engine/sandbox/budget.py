"""The time and memory budget of one run of diagram code, and the error that ends a run over it.

Instrumented code (see ``instrument``) calls ``Meter.tick`` at the top of every loop body, comprehension
step and function call. A tick compares ``time.monotonic()`` with the run's deadline and, every two
milliseconds, the process's memory in use (resident pages from ``/proc/self/statm`` and malloc's count
from ``mallinfo2``) with what it was when the run began; other threads' allocations count too, so the
budget is a ceiling for the whole process's growth during the run. Single
operations that would allocate a lot at once are refused before they run (``limits``), since no tick
happens inside them.

``BudgetExceeded`` derives from BaseException so ``except Exception`` in a script cannot swallow it; the
meter is also sticky: once over budget, every later tick raises again and the environment re-checks the
meter after the run, so a script that catches it anyway still fails.
"""

from __future__ import annotations

import ctypes
import os
import time
from collections.abc import Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Literal, cast

DEFAULT_SECONDS = 1.0
DEFAULT_MEMORY_MB = 256
SECONDS_SETTING = "QIANGJIAN_SCRIPT_SECONDS"
MEMORY_SETTING = "QIANGJIAN_SCRIPT_MEMORY_MB"
_MEMORY_INTERVAL = 0.002  # seconds between memory reads: a statm read costs several microseconds
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


_statm: tuple[int, int] | None = None  # (pid, fd): kept open, pread costs far less than open + read


def resident_bytes() -> int:
    """Resident memory of this process (0 where /proc is missing: then only the other measures apply)."""
    global _statm
    try:
        if _statm is None or _statm[0] != os.getpid():  # /proc/self is resolved at open: reopen after fork
            _statm = (os.getpid(), os.open("/proc/self/statm", os.O_RDONLY))
        return int(os.pread(_statm[1], 128, 0).split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]


def _mallinfo2() -> Callable[[], _MallInfo2] | None:
    try:
        function = ctypes.CDLL(None).mallinfo2  # glibc 2.33+
    except (OSError, AttributeError):
        return None
    function.restype = _MallInfo2
    return cast(Callable[[], _MallInfo2], function)


_MALLINFO2 = _mallinfo2()


def allocated_bytes() -> int:
    """Bytes malloc has handed out and not got back (0 without glibc's mallinfo2).

    Resident memory alone misses a script that refills memory freed earlier (still resident, so no
    growth); malloc's count misses Python's small-object arenas (mapped directly). The meter uses both.
    """
    if _MALLINFO2 is None:
        return 0
    info = _MALLINFO2()
    return int(info.uordblks + info.hblkhd)


def memory_in_use() -> tuple[int, int]:
    """(resident bytes, malloc-allocated bytes) now."""
    return resident_bytes(), allocated_bytes()


class Meter:
    """The budget of one run: a deadline, a memory baseline and a tick counter."""

    __slots__ = ("budget", "deadline", "baseline", "ticks", "exceeded", "next_memory_check")

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.deadline = time.monotonic() + budget.seconds
        self.next_memory_check = 0.0
        self.baseline: tuple[int, int] | None = None  # read on the first check: most runs never get there
        self.ticks = 0
        self.exceeded: BudgetExceeded | None = None

    def tick(self) -> bool:
        """Called by instrumented code; True so it can stand in a comprehension's condition.

        The clock is read on every tick: one step may hold a C call of several milliseconds
        (``sum(range(10**6))``), so checking every Nth tick would overshoot the deadline N-fold.
        """
        self.ticks += 1
        now = time.monotonic()
        if now > self.deadline or now >= self.next_memory_check or self.exceeded is not None:
            self.check()
        return True

    def check(self) -> None:
        """Raise BudgetExceeded when the run is past its deadline or has grown past its memory budget."""
        if self.exceeded is not None:
            raise self.exceeded
        now = time.monotonic()
        if now > self.deadline:
            self.fail("time")
        if now < self.next_memory_check:
            return
        self.next_memory_check = now + _MEMORY_INTERVAL
        used = memory_in_use()
        if self.baseline is None:
            self.baseline = used
            return
        grown = max(used[0] - self.baseline[0], used[1] - self.baseline[1])
        if grown > self.budget.memory_bytes:
            self.fail("memory", f"已多占用约 {grown // (1024 * 1024)} MB")

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


def enter(meter: Meter) -> Token[Meter | None]:
    """Make ``meter`` the current one until ``leave`` (a plain pair: a context manager costs microseconds)."""
    return _CURRENT.set(meter)


def leave(token: Token[Meter | None]) -> None:
    """Restore the meter that was current before ``enter`` (nested runs restore the outer one)."""
    _CURRENT.reset(token)
