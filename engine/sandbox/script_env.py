"""The functions diagram expressions may call, bound to the operation in progress.

One script engine serves every case; what a function needs (database session, calendar,
clock, case number) comes from a context variable set by the runtime around each
operation, so concurrent requests in threads never see each other's state. Side effects
(ledger entries, documents, notifications) are collected as ``Effect`` records and written
by the runtime in the same transaction as the case state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.calendar.workdays import DIAGRAM_FUNCTION_NAMES, SHANGHAI, WorkdayCalendar, calendar_functions
from engine.organisations import orgs
from engine.store.errors import ScriptError

DOCUMENT_KINDS = {"verification_certificate": "JD", "result_notice": "TZ", "calibration_certificate": "JZ"}
INSTRUMENT_STATUSES = {"in_use", "out_of_use"}


@dataclass
class Effect:
    """A change a script asked for, applied after the engine step."""

    kind: str
    args: dict[str, Any]


@dataclass
class OperationContext:
    """What scripts may reach during one engine operation."""

    session: Session
    calendar: WorkdayCalendar
    now: datetime
    case_number: str = ""
    effects: list[Effect] = field(default_factory=list)
    _calendar_functions: dict[str, Callable[..., Any]] | None = None

    @property
    def today(self) -> date:
        return self.now.astimezone(SHANGHAI).date()

    def calendar_function(self, name: str) -> Callable[..., Any]:
        if self._calendar_functions is None:
            self._calendar_functions = calendar_functions(self.calendar, lambda: self.today)
        return self._calendar_functions[name]


_CONTEXT: ContextVar[OperationContext] = ContextVar("qiangjian_operation")


@contextmanager
def operation(ctx: OperationContext) -> Iterator[OperationContext]:
    """Make ``ctx`` visible to diagram functions for the duration of the block."""
    token = _CONTEXT.set(ctx)
    try:
        yield ctx
    finally:
        _CONTEXT.reset(token)


def current() -> OperationContext:
    """The operation in progress; scripts run only inside one."""
    try:
        return _CONTEXT.get()
    except LookupError as exc:
        raise ScriptError("diagram functions are only available while the engine runs a case") from exc


def _calendar_proxy(name: str) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        return current().calendar_function(name)(*args)

    call.__name__ = name
    return call


def _org_proxy(func: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        return func(current().session, *args)

    call.__name__ = func.__name__
    return call


def now() -> str:
    """The operation's time in Beijing as an ISO string, comparable with deadline strings."""
    return current().now.astimezone(SHANGHAI).isoformat(timespec="seconds")


def notify(org_id: int, message: str) -> None:
    """Record a notification for an organisation (a reminder, an escalation notice)."""
    current().effects.append(Effect("notify", {"org_id": org_id, "message": str(message)}))


def register_instruments(owner_org_id: int, county_code: str, instruments: list[dict[str, Any]]) -> None:
    """Enter accepted instruments into the ledger (applied after the step)."""
    if not isinstance(instruments, list) or not all(isinstance(i, dict) for i in instruments):
        raise ScriptError("register_instruments expects a list of instrument records")
    current().effects.append(Effect(
        "register_instruments",
        {"owner_org_id": owner_org_id, "county_code": county_code, "instruments": instruments},
    ))


def issue_document(kind: str, number: str | None, content: dict[str, Any]) -> str:
    """Issue a certificate or notice; returns its number (allocated from the case number if None)."""
    if kind not in DOCUMENT_KINDS:
        raise ScriptError(f"unknown document kind {kind!r}; use one of {sorted(DOCUMENT_KINDS)}")
    ctx = current()
    if not number:
        number = f"{DOCUMENT_KINDS[kind]}-{ctx.case_number}"
    ctx.effects.append(Effect("issue_document", {"kind": kind, "number": number, "content": dict(content)}))
    return number


def set_instrument_status(instrument_id: int, status: str, next_due: str | None) -> None:
    """Mark an instrument in or out of use and set its next due date."""
    if status not in INSTRUMENT_STATUSES:
        raise ScriptError(f"unknown instrument status {status!r}")
    current().effects.append(Effect(
        "set_instrument_status", {"instrument_id": instrument_id, "status": status, "next_due": next_due}
    ))


def diagram_functions() -> dict[str, Callable[..., Any]]:
    """Every function a diagram may call, by the name diagrams use."""
    functions: dict[str, Callable[..., Any]] = {n: _calendar_proxy(n) for n in DIAGRAM_FUNCTION_NAMES}
    for func in (orgs.filing_handler, orgs.designate_institute, orgs.next_institute, orgs.department_verifier,
                 orgs.supervising_bureau, orgs.has_regulation):
        functions[func.__name__] = _org_proxy(func)
    functions.update(
        now=now, notify=notify, register_instruments=register_instruments,
        issue_document=issue_document, set_instrument_status=set_instrument_status,
    )
    return functions
