"""Inbox test data written straight into the case and task tables (the inbox reads nothing else).

Real workflows are exercised by ``test_start_case_stores_county_and_instrument_type``; here each test
places exactly the open tasks it needs, with the due times, owners and places it filters on.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.organisations.actors import Actor, actor_for
from engine.organisations.passwords import hash_password
from engine.store.models import Case, Organisation, SpecVersion, Task, User

T0 = datetime(2026, 9, 1, tzinfo=timezone.utc)
_numbers = itertools.count(900_001)


def org_id(session: Session, code: str) -> int:
    return session.scalars(select(Organisation.id).where(Organisation.code == code)).one()


def actor(session: Session, username: str) -> Actor:
    return actor_for(session.scalars(select(User).where(User.username == username)).one())


def add_user(session: Session, username: str, org_code: str, roles: str, name: str = "同事") -> User:
    user = User(username=username, display_name=name, password_hash=hash_password("demo1234"),
                organisation_id=org_id(session, org_code), roles=roles, active=True)
    session.add(user)
    session.flush()
    return user


def _spec_version(session: Session) -> int:
    found = session.scalar(select(SpecVersion.id).order_by(SpecVersion.id).limit(1))
    if found is not None:
        return found
    row = SpecVersion(process_id="verification_request", content_hash="fixture", sources={}, spec_json="{}",
                      is_current=False, created_at=T0)
    session.add(row)
    session.flush()
    return row.id


def add_task(session: Session, *, org: str = "210100-institute", role: str = "institute", spec: str = "verify",
             title: str = "检定并出具结果", due: str | None = None, assignee: int | None = None,
             process: str = "verification_request", county: str | None = "210181", kind: str | None = "fuel_dispenser",
             owner: str | None = "210181-xinmin_gas", status: str = "ready", case_title: str = "申请检定") -> Task:
    """One open task (and its case) of ``org``'s ``role`` group; ``due`` is an ISO time with offset."""
    number = f"QJ2026{next(_numbers):06d}"
    case = Case(number=number, process_id=process, spec_version_id=_spec_version(session), status="running",
                title=f"{case_title} {number}", owner_org_id=org_id(session, owner) if owner else None,
                state="{}", created_at=T0, updated_at=T0, version=1, deadline_provisional=False,
                county_code=county, instrument_type=kind)
    session.add(case)
    session.flush()
    task = Task(id=str(uuid.uuid4()), case_id=case.id, spec_name=spec, title=title, role=role,
                organisation_id=org_id(session, org), assignee_id=assignee,
                due_at=datetime.fromisoformat(due).astimezone(timezone.utc) if due else None,
                status=status, created_at=T0, case_number=number, case_process_id=process,
                owner_org_id=case.owner_org_id, county_code=county, instrument_type=kind)
    session.add(task)
    session.flush()
    return task
