"""The timer sweep: fire every case whose next timer is due, each exactly once.

The sweep reads only the indexed ``case.next_timer_at`` column, so cases that are not due
are never loaded. Each due case is fired inside its own savepoint; the case row's version
column makes a second scheduler (or a clerk acting at the same moment) lose cleanly with a
Conflict instead of firing the same timer twice. On PostgreSQL rows another sweep holds
are skipped (FOR UPDATE SKIP LOCKED); SQLite serialises writers anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from engine.store.errors import Conflict, ScriptError
from engine.store.models import AuditEntry, Case
from engine.store.status import LIVE_CASE_STATUSES, CaseStatus

from .case_parking import failure_message

logger = logging.getLogger(__name__)


class FiresTimers(Protocol):
    """What the sweep needs of the engine: fire one case's due timers (``Engine.fire_timers``)."""

    def fire_timers(self, session: Session, case_id: int, now: datetime | None = None) -> int: ...


def due_case_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Ids of cases with a timer due before ``now``, earliest first.

    Strictly before, as a timer fires only once ``now`` is past it (``engine/rules/timer_events.py``): a case
    whose timer is exactly ``now`` would be picked, fire nothing and stay first in line, using up the limit.
    """
    query = (
        # The status guard keeps a terminated (or parked) case asleep even if a row still names a time.
        select(Case.id).where(Case.next_timer_at < now, Case.status.in_(LIVE_CASE_STATUSES))
        .order_by(Case.next_timer_at).limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def fire_due_timers(session: Session, engine: FiresTimers, now: datetime, limit: int = 100) -> int:
    """Fire the due timers of up to ``limit`` cases; returns how many timers fired."""
    return sum(fire_case(session, case_id, now, engine.fire_timers) for case_id in due_case_ids(session, now, limit))


def fire_case(session: Session, case_id: int, now: datetime, fire: Callable[[Session, int, datetime], int]) -> int:
    """Run ``fire`` for one case in a savepoint: a Conflict loses cleanly, any other failure parks the case."""
    try:
        with session.begin_nested():
            return fire(session, case_id, now)
    except Conflict:
        logger.info("Case %s changed while its timers fired; the other writer won", case_id)
    except Exception as exc:
        # One broken case must not block the whole sweep, nor be retried forever.
        logger.exception("Firing timers of case %s failed", case_id)
        _park_failed_case(session, case_id, exc, now)
    return 0


def _park_failed_case(session: Session, case_id: int, exc: Exception, now: datetime) -> None:
    """Mark the case ERROR (managers see it) and stop sweeping it; its state is left as it was."""
    if isinstance(exc, ScriptError):  # a timer expression or the code after it: say which, in Chinese
        action, after = "script_failed", {"error": failure_message(exc), "data": {}}
    else:
        action, after = "timer_failed", {"error": f"{type(exc).__name__}: {exc}"}
    with session.begin_nested():
        session.execute(update(Case).where(Case.id == case_id)
                        .values(status=CaseStatus.ERROR.value, next_timer_at=None, version=Case.version + 1,
                                last_activity_at=now))
        session.execute(insert(AuditEntry), [{"case_id": case_id, "actor": "scheduler", "action": action,
                                              "at": now, "after": after}])
