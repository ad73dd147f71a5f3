"""Bulk rows for the inbox benchmark: owner units, clerks, and open tasks with their running cases.

Each case carries the state JSON of a real running case of its process (about 10 KB, as in production,
so SQLite reads long rows and PostgreSQL TOASTs them), and each open task has a completed predecessor
in the same case, as a case that has moved on would.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from engine import (
    INSTRUMENT_TYPES,
    Case,
    Organisation,
    SpecVersion,
    System,
    Task,
    User,
    actor_for,
    apply_for_verification,
    file_instruments,
)

GROUP = ("210100-institute", "shenyang_institute")  # the measured clerk and their organisation
OWNER_KINDS = ("第{n}加油站", "人民医院", "中心医院", "农贸市场", "自来水公司", "燃气公司", "出租汽车公司{n}分公司",
               "机动车检测站", "商贸有限公司", "化工有限公司")
TASKS = {  # role -> (process, spec name, title, share of dated tasks)
    "institute": [("verification_request", "accept_application", "受理检定申请", .2),
                  ("verification_request", "record_receipt", "登记收到受检器具", .2),
                  ("verification_request", "verify", "检定并出具结果", 1.0)],
    "filing_handler": [("filing", "review_filing", "审核备案", .3)],
    "bureau": [("verification_request", "review_refusal", "审核拒绝受理", .5),
               ("verification_request", "handle_escalation", "监管部门处理", 1.0)],
    "owner": [("filing", "correct_filing", "补正备案信息", .3),
              ("verification_request", "answer_extension", "答复延期申请", 1.0)],
}


@dataclass
class World:
    """Ids the generator draws from."""

    group_org: int
    clerk: int
    colleagues: list[int]
    staff: dict[int, list[tuple[str, int]]]  # organisation -> (role, user id) of its staff
    owners: list[tuple[int, str]]  # (organisation id, county code)
    versions: dict[str, int]
    states: dict[str, str]


def real_states(system: System) -> dict[str, str]:
    """State JSON of a filing awaiting review and an application awaiting verification, made by the engine."""
    engine = system.engine
    item = {"name": "燃油加油机", "model": "DJY-222", "serial_no": "BENCH-1", "instrument_type": "fuel_dispenser",
            "category": "working", "in_catalogue": True, "purpose": "trade_settlement", "location": "一号岛"}

    def act(username: str) -> Any:
        with system.readers() as s:
            return actor_for(s.scalars(select(User).where(User.username == username)).one())

    def complete(case_id: int, data: dict[str, Any], username: str) -> None:
        with system.sessions() as s, s.begin():
            task = s.scalars(select(Task).where(Task.case_id == case_id, Task.status == "ready")).one()
            engine.complete_task(s, task.id, data, act(username))

    with system.sessions() as s, s.begin():
        filing = file_instruments(s, engine, act("xinmin_gas"), "210181", [item]).id
    with system.sessions() as s, s.begin():
        waiting_filing = file_instruments(s, engine, act("xinmin_gas"), "210181", [{**item, "serial_no": "B-2"}]).id
    complete(filing, {"filing_decision": "accept"}, "xinmin_institute")
    with system.sessions() as s, s.begin():
        instrument_id = s.scalar(text("select min(id) from instrument"))
        case_id = apply_for_verification(s, engine, act("xinmin_gas"), instrument_id).id
    complete(case_id, {"acceptance": "accept"}, "shenyang_institute")
    today = engine.clock().date().isoformat()
    complete(case_id, {"received_on": today}, "shenyang_institute")
    with system.readers() as s:
        return {"filing": s.get(Case, waiting_filing).state, "verification_request": s.get(Case, case_id).state}


def prepare_world(session: Session, states: dict[str, str], owners: int, seed: int) -> World:
    """Add owner units across the demo counties and five colleagues of the measured clerk."""
    rnd = random.Random(seed)
    counties = session.execute(select(Organisation.region_code, Organisation.name, Organisation.id)
                               .where(Organisation.kind == "county_bureau")).all()
    rows = []
    for n in range(owners):
        region, bureau, bureau_id = rnd.choice(counties)
        name = bureau.removesuffix("市场监督管理局") + rnd.choice(OWNER_KINDS).format(n=n % 40 + 1) + f"（{n}）"
        rows.append({"code": f"{region}-bench-owner-{n}", "name": name, "kind": "owner", "level": "county",
                     "region_code": region, "parent_id": bureau_id})
    session.execute(insert(Organisation), rows)
    group_org = session.scalar(select(Organisation.id).where(Organisation.code == GROUP[0]))
    clerk = session.scalars(select(User).where(User.username == GROUP[1])).one()
    session.execute(insert(User), [
        {"username": f"bench_colleague_{n}", "display_name": f"同事{n}", "password_hash": clerk.password_hash,
         "organisation_id": group_org, "roles": "institute,filing_handler", "active": True} for n in range(5)])
    staff: dict[int, list[tuple[str, int]]] = {}
    for user in session.scalars(select(User)):
        for role in user.roles.split(","):
            if role in TASKS:
                staff.setdefault(user.organisation_id, []).append((role, user.id))
    return World(
        group_org=group_org, clerk=clerk.id,
        colleagues=list(session.scalars(select(User.id).where(User.username.like("bench_colleague_%")))),
        staff=staff,
        owners=[(o.id, o.region_code) for o in session.scalars(
            select(Organisation).where(Organisation.kind == "owner"))],
        versions={v.process_id: v.id for v in session.scalars(select(SpecVersion).where(SpecVersion.is_current))},
        states=states)


def task_rows(world: World, count: int, group_share: float, now: datetime, seed: int) -> Iterator[
        tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(case, [open task, completed predecessor]) for ``count`` open tasks; ``group_share`` of them in the
    measured clerk's group (a tenth claimed by the clerk, a sixth by colleagues)."""
    rnd = random.Random(seed)
    others = [org for org in world.staff if org != world.group_org]
    every = int(1 / group_share)
    for n in range(count):
        if n % every == 0:
            org, role = world.group_org, rnd.choices(["institute", "filing_handler"], [85, 15])[0]
            draw = rnd.random()
            assignee = world.clerk if draw < .1 else rnd.choice(world.colleagues) if draw < .25 else None
        else:
            org = rnd.choice(others)
            role, someone = rnd.choice(world.staff[org])
            assignee = someone if rnd.random() < .3 else None
        process, spec, title, dated = rnd.choice(TASKS[role])
        owner, county = rnd.choice(world.owners)
        yield _case(world, n, process, owner, county, now, rnd), [
            _task(n, spec, title, role, org, assignee, now, dated, rnd),
            _task(n, "previous", "上一步", role, org, world.clerk if org == world.group_org else assignee, now, 0, rnd,
                  completed=True)]


def _case(world: World, n: int, process: str, owner: int, county: str, now: datetime,
          rnd: random.Random) -> dict[str, Any]:
    kind = rnd.choice(list(INSTRUMENT_TYPES))
    single = process == "verification_request" or rnd.random() < .7
    title = f"申请检定：{INSTRUMENT_TYPES[kind]} S-{n}" if process == "verification_request" else \
        f"备案：{rnd.randint(1, 30)} 台计量器具"
    return {"id": n + 1, "number": f"QJ{now.year}{n + 100:06d}", "process_id": process,
            "spec_version_id": world.versions[process], "status": "running", "title": title,
            "subject": f"instrument:{n}" if process == "verification_request" else None, "owner_org_id": owner,
            "state": world.states[process], "deadline_provisional": False, "created_at": now, "updated_at": now,
            "version": 1, "county_code": county, "instrument_type": kind if single else None}


def _task(n: int, spec: str, title: str, role: str, org: int, assignee: int | None, now: datetime, dated: float,
          rnd: random.Random, completed: bool = False) -> dict[str, Any]:
    due = now + timedelta(hours=rnd.uniform(-240, 480)) if rnd.random() < dated else None
    return {"id": str(uuid.UUID(int=rnd.getrandbits(128))), "case_id": n + 1, "spec_name": spec, "title": title,
            "role": role, "organisation_id": org, "assignee_id": assignee, "form": f"{spec}.schema.json",
            "due_at": due, "status": "completed" if completed else "ready",
            "created_at": now - timedelta(hours=rnd.uniform(0, 720)),
            "completed_at": now if completed else None, "completed_by_id": assignee if completed else None}


def bulk_insert(system: System, world: World, count: int, group_share: float, now: datetime, seed: int) -> None:
    """Insert the cases and tasks in batches (case ids are explicit; PostgreSQL's sequence is moved past them)."""
    with system.sessions() as session, session.begin():
        first = (session.scalar(select(func.max(Case.id))) or 0) + 1
        cases: list[dict[str, Any]] = []
        tasks: list[dict[str, Any]] = []
        for case, rows in task_rows(world, count, group_share, now, seed):
            case["id"] += first
            cases.append(case)
            facets = {"case_id": case["id"], "case_number": case["number"], "case_process_id": case["process_id"],
                      "owner_org_id": case["owner_org_id"], "county_code": case["county_code"],
                      "instrument_type": case["instrument_type"]}
            tasks += [row | facets for row in rows]
            if len(cases) == 5_000:
                session.execute(insert(Case), cases)
                session.execute(insert(Task), tasks)
                cases, tasks = [], []
        if cases:
            session.execute(insert(Case), cases)
            session.execute(insert(Task), tasks)
        if system.db.dialect.name == "postgresql":
            session.execute(text("""SELECT setval(pg_get_serial_sequence('"case"', 'id'),
                                                  (SELECT max(id) FROM "case"))"""))
    if system.db.dialect.name == "postgresql":
        with system.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text('VACUUM ANALYZE "case", task, organisation'))


def open_task_world(system: System, count: int, now: datetime) -> None:
    """The inbox, stuck-cases and heatmap benchmarks' world: demo organisations, 600 owner units and ``count``
    open tasks (2 % group tasks) with their running cases, the same seeds every run."""
    with system.sessions() as session, session.begin():
        world = prepare_world(session, real_states(system), owners=600, seed=7)
    bulk_insert(system, world, count, group_share=0.02, now=now, seed=11)
