"""The clerks' inbox: views, filters, due windows on the working-day calendar, counts, saved filters,
bulk claim and supervisors' reassignment — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import select

from engine.actions.task_assignment import claim_tasks, reassign_tasks
from engine.calendar.workdays import SHANGHAI
from engine.reads.inbox_filters import DueWindow, InboxFilter, due_window, inbox_counts, inbox_page
from engine.reads.saved_filters import delete_filter, list_filters, save_filter
from engine.store.db import make_db_engine
from engine.store.errors import NotAllowed, NotFound, ValidationFailed
from engine.store.models import AuditEntry, Case, Task, User
from engine.store.schema import alembic_config
from tests.engine.inbox_world import actor, add_task, add_user
from tests.engine.scenario import Scenario, instrument

NOW = "2026-10-16T10:00:00+08:00"  # a Friday with an ordinary weekend after it


@pytest.fixture
def world(any_database, clock, engine):
    """Shenyang city institute: the clerk (shenyang_institute), a colleague and a supervisor; tasks of
    every kind around them, and tasks the clerk must never see."""
    clock.set(NOW)
    with any_database.factory() as s, s.begin():
        colleague = add_user(s, "sy_colleague", "210100-institute", "institute", "李同事").id
        add_user(s, "sy_supervisor", "210100-institute", "institute,manager", "王科长")
        me = actor(s, "shenyang_institute").user_id
        tasks = {
            "overdue": add_task(s, due="2026-10-15T23:59:59+08:00", county="210181", kind="fuel_dispenser"),
            "mine_near": add_task(s, spec="accept_application", title="受理检定申请", assignee=me,
                                  due="2026-10-20T09:00:00+08:00", county="210102", kind="electronic_scale",
                                  owner="210102-heping_market"),
            "today": add_task(s, role="filing_handler", spec="review_filing", title="审核备案", process="filing",
                              due="2026-10-16T18:00:00+08:00", kind=None, case_title="备案"),
            "later": add_task(s, due="2026-10-21T09:00:00+08:00", county="210381", kind="water_meter",
                              owner="210381-haicheng_water"),
            "undated": add_task(s, spec="record_receipt", title="登记收到受检器具", kind="sphygmomanometer",
                                owner="210123-kangping_hospital", county="210123"),
            "colleagues": add_task(s, assignee=colleague, due="2026-10-14T09:00:00+08:00"),
            "other_org": add_task(s, org="210200-institute", due="2026-10-14T09:00:00+08:00"),
            "done": add_task(s, status="completed", due="2026-10-14T09:00:00+08:00"),
        }
        ids = {name: task.id for name, task in tasks.items()}
        numbers = {name: s.get(Case, task.case_id).number for name, task in tasks.items()}
    return {"db": any_database, "ids": ids, "numbers": numbers, "engine": engine, "clock": clock}


def _names(world, username: str = "shenyang_institute", **filters) -> list[str]:
    by_id = {v: k for k, v in world["ids"].items()}
    with world["db"].reader() as s:
        page = inbox_page(s, actor(s, username), InboxFilter(**filters), due_window(s, world["engine"]))
        return [by_id[row.task.id] for row in page.rows]


def test_views_cover_my_tasks_the_groups_unclaimed_tasks_or_both(world):
    assert _names(world, view="mine") == ["mine_near"]
    assert _names(world, view="group") == ["overdue", "today", "later", "undated"]
    assert _names(world) == ["overdue", "today", "mine_near", "later", "undated"]  # undated last
    assert _names(world, sort="-due") == ["later", "mine_near", "today", "overdue", "undated"]


def test_the_team_view_is_for_supervisors_only(world):
    assert _names(world, "sy_supervisor", view="team") == [
        "colleagues", "overdue", "today", "mine_near", "later", "undated"]
    with pytest.raises(NotAllowed):
        _names(world, view="team")


@pytest.mark.parametrize(("filters", "expected"), [
    ({"process_id": "filing"}, ["today"]),
    ({"spec_name": "accept_application"}, ["mine_near"]),
    ({"county_code": "210381"}, ["later"]),
    ({"instrument_type": "sphygmomanometer"}, ["undated"]),
    ({"text": "和平区"}, ["mine_near"]),  # part of the owner unit's name
    ({"text": "  海城市自来水 "}, ["later"]),
    ({"text": "%"}, []),  # LIKE wildcards are taken literally
    ({"due": "overdue"}, ["overdue"]),
    ({"due": "today"}, ["today"]),
    ({"due": "2wd"}, ["today", "mine_near"]),  # Fri 10:00 → until the end of Tuesday
    ({"county_code": "210181", "due": "overdue", "view": "group"}, ["overdue"]),
])
def test_each_filter_narrows_the_inbox(world, filters, expected):
    assert _names(world, **filters) == expected


def test_text_matches_a_case_number_prefix_in_any_case(world):
    number = world["numbers"]["later"]
    assert _names(world, text=number.lower()) == ["later"]
    assert set(_names(world, text=number[:-2])) >= {"later"}
    assert _names(world, text=number[2:]) == []  # a prefix, not any part


def test_due_within_two_working_days_skips_the_weekend_and_holidays(any_database, clock, engine):
    with any_database.factory() as s, s.begin():
        calendar = engine.calendar(s)
    clock.set("2026-10-16T17:00:00+08:00")  # Friday: Monday and Tuesday are the two working days
    friday = DueWindow.at(calendar, clock())
    assert friday.near_end.isoformat() == "2026-10-21T00:00:00+08:00"
    assert friday.today_end.isoformat() == "2026-10-17T00:00:00+08:00"
    clock.set("2026-09-30T09:00:00+08:00")  # Wednesday before the National Day holiday (10-01 … 10-07)
    assert DueWindow.at(calendar, clock()).near_end.isoformat() == "2026-10-10T00:00:00+08:00"
    with any_database.factory() as s, s.begin():
        for due in ("2026-10-08T18:00:00+08:00", "2026-10-09T23:59:59+08:00", "2026-10-10T09:00:00+08:00"):
            add_task(s, due=due)
        page = inbox_page(s, actor(s, "shenyang_institute"), InboxFilter(due="2wd"), due_window(s, engine))
        assert [r.task.due_at.astimezone(SHANGHAI).day for r in page.rows] == [8, 9]
        assert [r.due_state for r in page.rows] == ["near", "near"]


def test_due_states_mark_overdue_and_near_rows(world):
    with world["db"].reader() as s:
        page = inbox_page(s, actor(s, "shenyang_institute"), InboxFilter(), due_window(s, world["engine"]))
        assert [r.due_state for r in page.rows] == ["overdue", "near", "near", "", ""]
        assert {r.owner_name for r in page.rows} >= {"新民市东城加油站", "沈阳市和平区南市农贸市场"}


def test_pages_follow_each_other(world):
    with world["db"].reader() as s:
        clerk, window = actor(s, "shenyang_institute"), due_window(s, world["engine"])
        first = inbox_page(s, clerk, InboxFilter(size=2), window)
        third = inbox_page(s, clerk, InboxFilter(size=2, page=3), window)
        assert first.has_next and len(first.rows) == 2
        assert not third.has_next and [r.task.id for r in third.rows] == [world["ids"]["undated"]]


def test_counts_per_view_follow_the_other_filters(world):
    with world["db"].reader() as s:
        clerk, window = actor(s, "shenyang_institute"), due_window(s, world["engine"])
        counts = inbox_counts(s, clerk, InboxFilter(), window)
        assert (counts.mine, counts.group, counts.overdue) == (1, 4, 1)
        narrowed = inbox_counts(s, clerk, InboxFilter(process_id="verification_request", text="新民"), window)
        assert (narrowed.mine, narrowed.group, narrowed.overdue) == (0, 1, 1)
        other = inbox_counts(s, actor(s, "dalian_institute"), InboxFilter(), window)
        assert (other.mine, other.group, other.overdue) == (0, 1, 1)


def test_bad_filter_values_are_refused_with_field_errors():
    with pytest.raises(ValidationFailed) as refused:
        InboxFilter(view="everything", due="soon", sort="owner", page=0, size=1000)
    assert set(refused.value.errors) == {"view", "due", "sort", "page", "size"}
    assert InboxFilter(text="  ", county_code="").text is None
    assert InboxFilter(view="mine", due="2wd", page=4).params() == {"view": "mine", "due": "2wd"}


def test_start_case_stores_county_and_instrument_type(any_database, clock):
    clock.set("2026-09-28T09:00:00+08:00")
    sc = Scenario(any_database, clock, restart=False)
    single = sc.file("xinmin_gas", "210181", [instrument("J-1"), instrument("J-2")])
    mixed = sc.file("xinmin_gas", "210181", [instrument("J-3"), instrument("S-1", "electronic_scale")])
    sc.complete(single, "review_filing", "xinmin_institute", {"filing_decision": "accept"})
    applied = sc.apply("xinmin_gas", sc.ledger("210181-xinmin_gas")[0].id)
    facets = {c: (sc.case(c).county_code, sc.case(c).instrument_type) for c in (single, mixed, applied)}
    assert facets == {single: ("210181", "fuel_dispenser"), mixed: ("210181", None),
                      applied: ("210181", "fuel_dispenser")}
    accept = sc.open_task(applied, "accept_application")  # each task row carries its case's facts
    assert (accept.case_number, accept.case_process_id, accept.owner_org_id, accept.county_code,
            accept.instrument_type) == (sc.case(applied).number, "verification_request",
                                        sc.case(applied).owner_org_id, "210181", "fuel_dispenser")
    with any_database.reader() as s:
        flt = InboxFilter(county_code="210181", instrument_type="fuel_dispenser")
        page = inbox_page(s, sc.actor(s, "shenyang_institute"), flt, due_window(s, sc.engine))
        assert [r.case.id for r in page.rows] == [applied]


def test_the_migration_backfills_running_cases(any_database, clock):
    """Cases started before revision 0003 get their county and type from the stored state."""
    clock.set("2026-09-28T09:00:00+08:00")
    sc = Scenario(any_database, clock, restart=False)
    case_id = sc.file("xinmin_gas", "210181", [instrument("J-1")])
    db = make_db_engine(any_database.url)
    cfg = alembic_config()
    with db.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0002")
        command.upgrade(cfg, "head")
    db.dispose()
    with any_database.reader() as s:
        assert (s.get(Case, case_id).county_code, s.get(Case, case_id).instrument_type) == ("210181", "fuel_dispenser")
        task = s.scalars(select(Task).where(Task.case_id == case_id)).one()
        number = s.get(Case, case_id).number
        assert (task.case_number, task.case_process_id, task.county_code, task.instrument_type) == (
            number, "filing", "210181", "fuel_dispenser")
        assert task.owner_org_id == s.get(Case, case_id).owner_org_id is not None


def test_saved_filters_are_private_unless_shared_with_the_organisation(world):
    clock, flt = world["clock"], InboxFilter(view="mine", due="overdue", county_code="210181", page=3)
    with world["db"].factory() as s, s.begin():
        me, colleague, dalian = actor(s, "shenyang_institute"), actor(s, "sy_colleague"), actor(s, "dalian_institute")
        private = save_filter(s, me, "我的逾期", flt, False, clock())
        shared = save_filter(s, me, "新民逾期", flt.but(view="group"), True, clock())
        assert private.params == {"view": "mine", "due": "overdue", "county_code": "210181"}
        assert InboxFilter(**private.params) == flt.but(page=1)
        my_name = s.get(User, me.user_id).display_name
        listed = sorted((f.name, owner) for f, owner in list_filters(s, me))
        assert listed == [("我的逾期", my_name), ("新民逾期", my_name)]
        assert [f.name for f, _ in list_filters(s, colleague)] == ["新民逾期"]
        assert list_filters(s, dalian) == []
        with pytest.raises(NotAllowed):
            delete_filter(s, colleague, shared.id)
        with pytest.raises(NotFound):
            delete_filter(s, colleague, private.id)
        with pytest.raises(ValidationFailed):
            save_filter(s, me, "   ", flt, False, clock())
        again = save_filter(s, me, "我的逾期", InboxFilter(due="today"), True, clock())
        assert again.id == private.id and again.params == {"due": "today"} and again.shared
        delete_filter(s, me, shared.id)
        assert [f.name for f, _ in list_filters(s, colleague)] == ["我的逾期"]


def test_bulk_claim_claims_what_it_can_and_reports_the_rest(world):
    ids, engine = world["ids"], world["engine"]
    wanted = [ids["overdue"], ids["colleagues"], ids["other_org"], ids["done"], ids["mine_near"], "no-such-task",
              ids["later"]]
    with world["db"].factory() as s, s.begin():
        result = claim_tasks(s, engine, wanted, actor(s, "shenyang_institute"))
    assert result.done == (ids["overdue"], ids["later"])
    assert {x.task_id: x.reason for x in result.skipped} == {
        ids["colleagues"]: "claimed_by_other", ids["other_org"]: "other_group", ids["done"]: "closed",
        ids["mine_near"]: "already_mine", "no-such-task": "not_found"}
    taken = next(x for x in result.skipped if x.task_id == ids["colleagues"])
    assert taken.case_number == world["numbers"]["colleagues"]
    with world["db"].reader() as s:
        me = actor(s, "shenyang_institute").user_id
        assert {s.get(Task, t).assignee_id for t in result.done} == {me}
        claimed = s.scalars(select(AuditEntry.task_id).where(AuditEntry.action == "task_claimed")).all()
        assert sorted(claimed) == sorted(result.done)


def test_reassignment_needs_a_supervisor_and_a_colleague_with_the_role(world):
    ids, engine = world["ids"], world["engine"]
    with world["db"].factory() as s, s.begin():
        add_user(s, "sy_filing_only", "210100-institute", "filing_handler")
        colleague = actor(s, "sy_colleague").user_id
        refusals = [
            (actor(s, "shenyang_institute"), colleague, [ids["overdue"]]),  # not a supervisor
            (actor(s, "sy_supervisor"), actor(s, "dalian_institute").user_id, [ids["overdue"]]),  # another org
            (actor(s, "sy_supervisor"), actor(s, "sy_filing_only").user_id, [ids["overdue"]]),  # lacks the role
            (actor(s, "sy_supervisor"), colleague, [ids["overdue"], ids["other_org"]]),  # another org's task
        ]
        for who, target, tasks in refusals:
            with pytest.raises(NotAllowed):
                reassign_tasks(s, engine, tasks, target, who)
        with pytest.raises(NotFound):
            reassign_tasks(s, engine, [ids["overdue"]], 999_999, actor(s, "sy_supervisor"))
    with world["db"].reader() as s:
        assert s.get(Task, ids["overdue"]).assignee_id is None  # nothing was written
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "task_reassigned")).all() == []


def test_a_supervisor_reassigns_tasks_and_each_is_audited(world):
    ids, engine = world["ids"], world["engine"]
    with world["db"].factory() as s, s.begin():
        supervisor, colleague = actor(s, "sy_supervisor"), actor(s, "sy_colleague").user_id
        me = actor(s, "shenyang_institute").user_id
        result = reassign_tasks(s, engine, [ids["overdue"], ids["mine_near"], ids["colleagues"], ids["done"]],
                                colleague, supervisor)
    assert result.done == (ids["overdue"], ids["mine_near"])
    assert {x.task_id: x.reason for x in result.skipped} == {ids["colleagues"]: "already_assigned",
                                                             ids["done"]: "closed"}
    with world["db"].reader() as s:
        assert {s.get(Task, t).assignee_id for t in result.done} == {colleague}
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "task_reassigned")
                          .order_by(AuditEntry.id)).all()
        assert [(a.task_id, a.before, a.after["assignee_id"], a.actor) for a in audit] == [
            (ids["overdue"], {"assignee_id": None}, colleague, "sy_supervisor"),
            (ids["mine_near"], {"assignee_id": me}, colleague, "sy_supervisor")]
        assert all(a.case_id == s.get(Task, a.task_id).case_id and a.at == world["clock"]() for a in audit)
