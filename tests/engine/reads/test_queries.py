"""Read side: inboxes and overdue lists come from the task and case tables, scoped to the group."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from engine.reads.queries import case_documents, case_history, case_tasks, inbox, overdue_cases
from engine.reads.task_view import task_form
from engine.store.errors import NotFound
from engine.store.models import Task
from tests.engine.scenario import Scenario, instrument, passing_result


def test_inbox_is_scoped_to_the_group_and_sorted_by_due_date(database, clock):
    clock.set("2026-09-28T09:00:00+08:00")
    sc = Scenario(database, clock, restart=False)
    ids = [sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute", instrument(f"J-{n}")) for n in range(2)]
    sc.at("2026-09-29T10:00:00+08:00")
    late = sc.received("xinmin_gas", ids[0], "shenyang_institute", "2026-09-29")
    sc.at("2026-09-30T10:00:00+08:00")
    early_applied = sc.apply("xinmin_gas", ids[1])
    with database.reader() as s:
        clerk = sc.actor(s, "shenyang_institute")
        titles = [(t.spec_name, c.id) for t, c in inbox(s, clerk)]
        # acceptance is due 2026-10-10 (3 working days), verification 2026-10-14: the newer case comes first
        assert titles == [("accept_application", early_applied), ("verify", late)]
        assert inbox(s, sc.actor(s, "dalian_institute")) == []
        assert inbox(s, sc.actor(s, "xinmin_gas")) == []
    with sc.session() as s:  # every waiting step of the production diagrams has a due date now; make one without
        s.execute(update(Task).where(Task.case_id == early_applied).values(due_at=None))
    with database.reader() as s:
        titles = [(t.spec_name, c.id) for t, c in inbox(s, sc.actor(s, "shenyang_institute"))]
        assert titles == [("verify", late), ("accept_application", early_applied)]  # tasks without a due date last


def test_overdue_cases_and_case_history(database, clock):
    clock.set("2026-09-28T09:00:00+08:00")
    sc = Scenario(database, clock, restart=False)
    instrument_id = sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute", instrument("J-1"))
    sc.at("2026-09-30T10:00:00+08:00")
    case_id = sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-09-30")
    with database.reader() as s:
        assert overdue_cases(s, clock()) == []
    sc.at("2026-10-16T09:00:00+08:00")
    with database.reader() as s:
        assert [c.id for c in overdue_cases(s, clock())] == [case_id]
        assert [c.id for c in overdue_cases(s, clock(), {sc.org("210100-institute")})] == [case_id]
        assert overdue_cases(s, clock(), {sc.org("210200-institute")}) == []
    sc.complete(case_id, "verify", "shenyang_institute", passing_result("2026-10-16", "2027-10-15"))
    with database.reader() as s:
        assert overdue_cases(s, clock()) == []  # the result is in; the escalation is due 10-23
        actions = [a.action for a in case_history(s, case_id)]
        assert actions[0] == "case_started" and "task_completed" in actions and "issue_document" in actions
        statuses = {t.spec_name: t.status for t in case_tasks(s, case_id)}
        assert statuses == {"accept_application": "completed", "record_receipt": "completed",
                            "verify": "completed", "handle_escalation": "ready"}  # the bureau still decides
        assert [d.kind for d in case_documents(s, case_id)] == ["verification_certificate"]


def test_task_form_shows_schema_rule_and_facts_to_the_group_only(database, clock):
    clock.set("2026-09-28T09:00:00+08:00")
    sc = Scenario(database, clock, restart=False)
    instrument_id = sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute", instrument("J-1"))
    sc.at("2026-09-30T10:00:00+08:00")
    case_id = sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-09-30")
    task = sc.open_task(case_id, "verify")
    with database.reader() as s:
        form = task_form(s, sc.engine, task.id, sc.actor(s, "shenyang_institute"))
        assert form.schema["title"] == "检定并出具结果" and "fee" in form.schema["properties"]
        assert "7个工作日" in form.documentation or "7 个工作日" in form.documentation
        assert form.facts["deadline"] == "2026-10-15T23:59:59+08:00" and form.facts["regulation_exists"] is True
        with pytest.raises(NotFound):
            task_form(s, sc.engine, task.id, sc.actor(s, "dalian_institute"))
