"""Sign-in records in the database: failed attempts in the audit, the account lock, server-side sessions.

The account lock is computed from the audit, not kept in a worker's memory, so every worker (and every
database client) sees the same lock: ``failures`` failed sign-ins of one username within ``window``
lock it for ``lock`` from the last of them. Failures before the account's last successful sign-in
do not count. Unknown usernames are counted and locked the same way, so a lock tells nothing about
which usernames exist. The password tried is never stored.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from engine.store.bounds import column_length
from engine.store.models import AuditEntry, User, UserSession

SIGN_IN_FAILED = "sign_in_failed"
SIGN_IN_LOCKED = "sign_in_locked"
SIGN_IN_ACTIONS = (SIGN_IN_FAILED, SIGN_IN_LOCKED)
ACTOR_LENGTH = column_length(AuditEntry.actor)
ADDRESS_LENGTH = column_length(UserSession.address)  # an IPv6 address with a zone fits


@dataclass(frozen=True)
class LockPolicy:
    """How many failures within how long lock an account, and for how long."""

    failures: int = 10
    window: timedelta = timedelta(seconds=900)
    lock: timedelta = timedelta(seconds=900)


def storable(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, without NUL or lone surrogates (PostgreSQL refuses both)."""
    cleaned = text.replace("\x00", "\N{REPLACEMENT CHARACTER}")[:limit]
    return cleaned.encode("utf-8", "replace").decode("utf-8")


def record_sign_in_event(
    session: Session, action: str, username: str, address: str, now: datetime, detail: dict[str, Any],
) -> None:
    """Append a sign-in audit row: the username tried as the actor, the address, never the password."""
    actor = storable(username, ACTOR_LENGTH)
    user_id = session.scalars(select(User.id).where(User.username == actor)).one_or_none()
    session.execute(insert(AuditEntry).values(
        case_id=None, task_id=None, actor_id=user_id, actor=actor, action=action, at=now, before=None,
        after={"username": storable(username, 200), "address": storable(address, ADDRESS_LENGTH), **detail},
    ))


def account_locked_until(session: Session, username: str, policy: LockPolicy, now: datetime) -> datetime | None:
    """When the lock on ``username`` ends, or None when it is not locked."""
    actor = storable(username, ACTOR_LENGTH)
    since = now - policy.window
    last_success = session.scalar(
        select(func.max(UserSession.created_at)).join(User, User.id == UserSession.user_id)
        .where(User.username == actor)
    )
    if last_success is not None and last_success > since:
        since = last_success
    recent = session.scalars(
        select(AuditEntry.at)
        .where(AuditEntry.action == SIGN_IN_FAILED, AuditEntry.actor == actor, AuditEntry.at > since)
        .order_by(AuditEntry.at.desc()).limit(policy.failures)
    ).all()
    if len(recent) < policy.failures:
        return None
    until = recent[0] + policy.lock
    return until if until > now else None


def recent_sign_in_events(
    session: Session, since: datetime, organisation_id: int | None = None, limit: int = 200,
) -> Sequence[AuditEntry]:
    """Failed sign-ins and locks since ``since``, newest first; with ``organisation_id`` only those on its
    users' accounts (a manager's view: never another organisation's, nor usernames that do not exist)."""
    query = select(AuditEntry).where(AuditEntry.action.in_(SIGN_IN_ACTIONS), AuditEntry.at >= since)
    if organisation_id is not None:
        query = query.join(User, User.id == AuditEntry.actor_id).where(User.organisation_id == organisation_id)
    return session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)).all()


def open_user_session(session: Session, user_id: int, address: str, now: datetime) -> str:
    """Record a new sign-in and return its session id (the cookie carries it)."""
    session_id = secrets.token_urlsafe(32)
    session.add(UserSession(id=session_id, user_id=user_id, created_at=now,
                            address=storable(address, ADDRESS_LENGTH), revoked_at=None))
    return session_id


def session_user(session: Session, session_id: str) -> User | None:
    """The active user signed in by this session id, or None when it is unknown or revoked."""
    return session.scalars(
        select(User).join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.id == session_id, UserSession.revoked_at.is_(None), User.active.is_(True))
    ).one_or_none()


def revoke_user_session(session: Session, session_id: str, now: datetime) -> None:
    """Sign one browser out: its cookie no longer signs anyone in, even if it was copied."""
    session.execute(update(UserSession).where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
                    .values(revoked_at=now))


def revoke_all_sessions(session: Session, user_id: int, now: datetime) -> int:
    """Sign a user out everywhere (after a password change or a suspected theft); how many were live."""
    result = session.execute(update(UserSession).where(UserSession.user_id == user_id,
                                                       UserSession.revoked_at.is_(None)).values(revoked_at=now))
    return int(getattr(result, "rowcount", 0) or 0)
