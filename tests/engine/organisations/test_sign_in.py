"""The account lock counted from the audit, and server-side sessions, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from engine import (
    LockPolicy,
    User,
    account_locked_until,
    open_user_session,
    record_sign_in_event,
    revoke_user_session,
    session_user,
)
from engine.organisations.sign_in import SIGN_IN_FAILED, storable

NOW = datetime(2026, 10, 1, 8, 0, tzinfo=timezone.utc)
POLICY = LockPolicy(failures=3, window=timedelta(minutes=10), lock=timedelta(minutes=5))


def _fail(db, username: str, at: datetime) -> None:
    with db.factory() as s, s.begin():
        record_sign_in_event(s, SIGN_IN_FAILED, username, "10.0.0.1", at, {"channel": "form"})


def _locked(db, username: str, now: datetime) -> datetime | None:
    with db.reader() as s:
        return account_locked_until(s, username, POLICY, now)


def test_the_lock_starts_at_the_last_of_enough_failures_within_the_window(any_database):
    for minutes in (0, 4, 8):
        _fail(any_database, "shenyang_institute", NOW + timedelta(minutes=minutes))
    last = NOW + timedelta(minutes=8)
    assert _locked(any_database, "shenyang_institute", last) == last + POLICY.lock
    assert _locked(any_database, "shenyang_institute", last + POLICY.lock) is None  # the lock has ended
    assert _locked(any_database, "dalian_institute", last) is None  # other accounts are not touched


def test_failures_spread_wider_than_the_window_do_not_lock(any_database):
    for minutes in (0, 6, 12):
        _fail(any_database, "shenyang_institute", NOW + timedelta(minutes=minutes))
    assert _locked(any_database, "shenyang_institute", NOW + timedelta(minutes=12)) is None


def test_a_sign_in_forgives_earlier_failures(any_database):
    for minutes in (0, 1):
        _fail(any_database, "shenyang_institute", NOW + timedelta(minutes=minutes))
    with any_database.factory() as s, s.begin():
        user_id = s.scalars(select(User.id).where(User.username == "shenyang_institute")).one()
        open_user_session(s, user_id, "10.0.0.1", NOW + timedelta(minutes=2))
    _fail(any_database, "shenyang_institute", NOW + timedelta(minutes=3))
    assert _locked(any_database, "shenyang_institute", NOW + timedelta(minutes=3)) is None


def test_a_revoked_session_signs_nobody_in(any_database):
    with any_database.factory() as s, s.begin():
        user_id = s.scalars(select(User.id).where(User.username == "shenyang_institute")).one()
        session_id = open_user_session(s, user_id, "10.0.0.1", NOW)
    with any_database.reader() as s:
        user = session_user(s, session_id)
        assert user is not None and user.id == user_id and session_user(s, "no-such-session") is None
    with any_database.factory() as s, s.begin():
        revoke_user_session(s, session_id, NOW + timedelta(minutes=1))
    with any_database.reader() as s:
        assert session_user(s, session_id) is None


def test_what_is_stored_has_no_nul_no_lone_surrogate_and_fits():
    assert storable("a\x00b", 100) == "a\ufffdb"
    assert storable("\ud800x", 100) == "?x"
    assert storable("x" * 300, 100) == "x" * 100
