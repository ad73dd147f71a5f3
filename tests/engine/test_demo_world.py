"""The demo world leaves cases at every stage managers watch, each made by the engine, once per database."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from engine.bootstrap import System, open_system, prepare_database
from engine.demo_world import DemoClock, build_demo_world
from engine.organisations.orgs import visible_org_ids
from engine.reads.stuck_cases import stuck_page, stuck_scope
from engine.reads.stuck_filter import STUCK_TABS, StuckFilter
from engine.store.models import AuditEntry, Case, Document, Task, User
from tests.engine.scenario import BPMN_DIR

# Friday 20 November 2026, 10:00 in Beijing: "today" for the world.
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def world(sqlite_template, tmp_path_factory) -> Iterator[tuple[System, list[str]]]:
    path = tmp_path_factory.mktemp("world") / "world.sqlite"
    shutil.copy(sqlite_template, path)
    clock = DemoClock(NOW)
    system = open_system(f"sqlite:///{path}", clock=clock)
    prepare_database(system, bpmn_dir=BPMN_DIR, demo=True)
    lines = list(build_demo_world(system, clock, NOW))
    yield system, lines
    system.db.dispose()


def _org(system: System, username: str) -> int:
    with system.readers() as s:
        return s.scalars(select(User.organisation_id).where(User.username == username)).one()


def _counts(system: System, username: str) -> dict[str, int]:
    with system.readers() as s:
        return dict(stuck_page(s, system.engine, stuck_scope(s, _org(system, username)), StuckFilter()).counts)


def test_the_province_manager_sees_a_case_in_every_stuck_tab(world):
    system, lines = world
    assert system.engine.clock() == NOW  # the world ends at today's time
    counts = _counts(system, "liaoning_bureau")
    assert set(counts) == set(STUCK_TABS) and all(counts[tab] >= 1 for tab in STUCK_TABS), counts
    open_task = select(func.count()).select_from(Task).join(Case, Case.id == Task.case_id).where(
        Task.status == "ready", Case.status == "running")
    with system.readers() as s:
        for step in ("handle_escalation", "answer_extension", "review_refusal", "accept_application",
                     "review_filing", "verify", "correct_filing", "record_receipt"):
            assert s.scalar(open_task.where(Task.spec_name == step)) >= 1, step
        assert s.scalar(open_task.where(Task.due_at < NOW, Task.spec_name == "verify")) >= 1
        assert s.scalar(open_task.where(Task.due_at < NOW, Task.spec_name == "accept_application")) >= 1
        assert s.scalar(select(func.count()).select_from(Case).where(Case.status == "error")) == 1
        latest = select(func.max(AuditEntry.at)).where(AuditEntry.case_id == Case.id).scalar_subquery()
        week_ago = NOW - timedelta(days=7)  # more than 5 working days
        assert s.scalar(select(func.count()).select_from(Case).where(
            Case.status == "running", latest < week_ago)) >= 1
        finished = s.scalars(select(Case.id).where(Case.status == "completed",
                                                   Case.process_id == "verification_request")).all()
        certificates = s.scalars(select(Document.kind).where(Document.case_id.in_(finished))).all()
        assert certificates == ["verification_certificate"]
        reasons = {e.after["reason"] for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "escalated"))}
        assert reasons >= {"overdue", "not_accepted", "filing_review_overdue"}
    assert any(line.startswith("Parked (error)") for line in lines)


def test_city_and_county_managers_and_institute_heads_see_their_rows(world):
    system, _lines = world
    for username in ("shenyang_bureau", "dalian_bureau", "xinmin_bureau", "wafangdian_bureau",
                     "shenyang_institute_head", "wafangdian_institute_head"):
        counts = _counts(system, username)
        with system.readers() as s:
            orgs = visible_org_ids(s, _org(system, username))
            overdue = s.scalar(select(func.count()).select_from(Task).join(Case, Case.id == Task.case_id).where(
                Task.status == "ready", Case.status == "running", Task.due_at < NOW,
                Task.organisation_id.in_(orgs)))
        assert overdue >= 1 and counts["overdue"] >= overdue, (username, counts)


def test_each_working_demo_login_has_a_task_waiting(world):
    system, _lines = world
    logins = ("liaoning_bureau", "liaoning_institute", "shenyang_bureau", "shenyang_institute", "dalian_bureau",
              "dalian_institute", "anshan_bureau", "anshan_institute", "xinmin_bureau", "xinmin_institute",
              "kangping_bureau", "wafangdian_bureau", "wafangdian_institute", "haicheng_bureau",
              "haicheng_institute", "xinmin_gas", "heping_market", "kangping_hospital", "wafangdian_hospital",
              "haicheng_water", "shenyang_institute_head", "wafangdian_institute_head")
    with system.readers() as s:
        for username in logins:
            waiting = s.scalar(select(func.count()).select_from(Task).join(Case, Case.id == Task.case_id).where(
                Task.status == "ready", Case.status == "running", Task.organisation_id == _org(system, username)))
            assert waiting >= 1, username
        heads = s.scalars(select(User.roles).where(User.username.like("%_institute_head"))).all()
    assert len(heads) == 2 and all("manager" in roles for roles in heads)


def test_a_second_run_adds_nothing(world):
    system, _lines = world
    with system.readers() as s:
        before = s.scalar(select(func.count()).select_from(Case))
    assert list(build_demo_world(system, DemoClock(NOW), NOW)) == ["Demo world already present; nothing added"]
    with system.readers() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == before
