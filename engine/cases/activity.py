"""A case's latest activity time, kept beside its audit log so "no activity for N days" is an index range.

Every writer of an audit entry for a case also moves ``case.last_activity_at``: a step sets it on the case
row it writes anyway (sync.py); writers that leave the case row alone (a claim, a release, a reassignment)
send one UPDATE of that column here.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.store.models import Case


def note_activity(session: Session, row: Case, at: datetime) -> None:
    """Move ``row``'s latest activity to ``at`` unless it is there already (then no statement is sent)."""
    if row.last_activity_at is not None and row.last_activity_at >= at:
        return
    mark_activity(session, [row.id], at)
    set_committed_value(row, "last_activity_at", at)  # the row is not written again for this


def mark_activity(session: Session, case_ids: Collection[int], at: datetime) -> None:
    """One UPDATE moving the latest activity of the cases to ``at`` (never backwards)."""
    if case_ids:
        session.execute(update(Case).where(Case.id.in_(sorted(set(case_ids))), or_(
            Case.last_activity_at.is_(None), Case.last_activity_at < at)).values(last_activity_at=at)
            .execution_options(synchronize_session=False))
