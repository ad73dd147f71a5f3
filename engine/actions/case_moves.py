"""Policy staff move running cases to a newer process version: dry run, move, undo.

The dry run lists every chosen case with whether it can move and why not. A move keeps the case's
state from before in ``case_migration`` so it can be undone while nobody has worked on the case
since; after that, undoing would throw work away, and the case has to be moved back (if safe).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from SpiffWorkflow.exceptions import SpiffWorkflowException
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.case_migration import MigrationCheck, SpecDiffs
from engine.cases.runtime import Engine
from engine.cases.step import wrap_spiff_error
from engine.organisations.actors import Actor
from engine.rules.rule_files import require_policy
from engine.rules.specs import ProcessVersion
from engine.store.errors import Conflict, InvalidTransition, NotFound, QiangjianError, ScriptError
from engine.store.models import Case, CaseMigration, SpecVersion
from engine.store.status import CaseStatus

logger = logging.getLogger(__name__)

# Everything one case's move can raise that must not abort the others (a bug still does).
MIGRATION_ERRORS = (QiangjianError, SpiffWorkflowException)


@dataclass(frozen=True)
class MoveResult:
    """One case after a migration attempt: moved (with the record id to undo it) or why not."""

    case_id: int
    case_number: str
    moved: bool
    migration_id: int | None
    reasons: tuple[str, ...]


def running_cases_on_other_versions(session: Session, target: SpecVersion) -> list[Case]:
    """Running cases of the target's process that are on another version, oldest first."""
    return list(session.scalars(
        select(Case).where(Case.process_id == target.process_id, Case.status == CaseStatus.RUNNING.value,
                           Case.spec_version_id != target.id).order_by(Case.id)))


def dry_run(session: Session, engine: Engine, target_version_id: int,
            case_ids: Iterable[int] | None = None) -> list[MigrationCheck]:
    """Which of the chosen cases (all running ones when None) can move to the target version, and why not.

    Each movable case is really moved inside a savepoint that is then rolled back, so what only
    shows when the new version runs (a timer expression that fails) is reported, and nothing is
    left behind. The session must be able to write (on SQLite: a writer session), and its caller
    should roll it back rather than commit.
    """
    target_row, cases = _target_and_cases(session, target_version_id, case_ids)
    target = engine.registry.get(session, target_row.id)
    diffs = SpecDiffs(engine.serializer.registry)
    actor = Actor.system("migration_dry_run")
    checks = []
    for case in cases:
        case_id, number, from_version = case.id, case.number, case.spec_version_id
        # The trial move checks the blockers first: an unsafe case is never run on the new version.
        reasons = _case_reasons(case, target_row) or _trial_move(session, engine, case, target, actor, diffs)
        checks.append(MigrationCheck(case_id, number, from_version, not reasons, tuple(reasons)))
    return checks


def migrate_cases(session: Session, engine: Engine, actor: Actor, target_version_id: int,
                  case_ids: Iterable[int] | None = None) -> list[MoveResult]:
    """Move every chosen case that can move; the others are reported with their reasons.

    Each case moves in its own savepoint: one that fails (unsafe, a failing expression, changed
    meanwhile by a clerk or the timer sweep) is rolled back and reported, the others still move.
    """
    require_policy(actor, "migrate")
    target_row, cases = _target_and_cases(session, target_version_id, case_ids)
    target = engine.registry.get(session, target_row.id)
    diffs = SpecDiffs(engine.serializer.registry)
    results = []
    for case in cases:
        case_id, number = case.id, case.number  # a rolled-back savepoint expires the row
        reasons = _case_reasons(case, target_row)
        if reasons:
            results.append(MoveResult(case_id, number, False, None, tuple(reasons)))
            continue
        before_state, from_version = case.state, case.spec_version_id
        try:
            with session.begin_nested():
                engine.move_case(session, case, target, actor, diffs)
                record = CaseMigration(case_id=case_id, from_version_id=from_version, to_version_id=target.id,
                                       state_before=before_state, case_version_after=case.version,
                                       moved_by_id=actor.user_id, moved_by=actor.username, moved_at=engine.clock())
                session.add(record)
                session.flush()
        except MIGRATION_ERRORS as exc:
            logger.info("Case %s not migrated to version %s: %s", number, target.id, exc)
            results.append(MoveResult(case_id, number, False, None, tuple(_error_reasons(exc))))
            continue
        results.append(MoveResult(case_id, number, True, record.id, ()))
    return results


def undo_migration(session: Session, engine: Engine, actor: Actor, migration_id: int) -> None:
    """Put a migrated case back as it was, if nobody has worked on it since the move.

    :raises InvalidTransition: already undone, or the case changed since (move it back instead).
    """
    require_policy(actor, "undo_migration")
    record = session.get(CaseMigration, migration_id)
    if record is None:
        raise NotFound(f"migration {migration_id} does not exist")
    case = session.get(Case, record.case_id)
    assert case is not None  # a foreign key
    if record.reverted_at is not None:
        raise InvalidTransition("该迁移已撤销")
    if case.version != record.case_version_after or case.spec_version_id != record.to_version_id:
        raise InvalidTransition("迁移后案件已有办理，不能直接撤销；如需回到原版本，请对该案件执行迁移")
    engine.restore_case(session, case, record.state_before, record.from_version_id, actor)
    record.reverted_at = engine.clock()
    session.flush()


def migrations_of(session: Session, case_ids: Iterable[int] | None = None) -> list[CaseMigration]:
    """Migration records, newest first (of the given cases when named)."""
    query = select(CaseMigration).order_by(CaseMigration.id.desc())
    if case_ids is not None:
        query = query.where(CaseMigration.case_id.in_(list(case_ids)))
    return list(session.scalars(query))


def _target_and_cases(session: Session, target_version_id: int,
                      case_ids: Iterable[int] | None) -> tuple[SpecVersion, list[Case]]:
    target = session.get(SpecVersion, target_version_id)
    if target is None:
        raise NotFound(f"spec version {target_version_id} does not exist")
    if case_ids is None:
        return target, running_cases_on_other_versions(session, target)
    wanted = sorted(set(case_ids))
    cases = list(session.scalars(select(Case).where(Case.id.in_(wanted)).order_by(Case.id)))
    if len(cases) != len(wanted):
        missing = sorted(set(wanted) - {c.id for c in cases})
        raise NotFound(f"cases {missing} do not exist")
    return target, cases


def _trial_move(session: Session, engine: Engine, case: Case, target: ProcessVersion, actor: Actor,
                diffs: SpecDiffs) -> list[str]:
    """Move the case inside a savepoint and roll it back; why it failed, or nothing."""
    savepoint = session.begin_nested()
    try:
        engine.move_case(session, case, target, actor, diffs)
    except MIGRATION_ERRORS as exc:
        return _error_reasons(exc)
    finally:
        savepoint.rollback()
    return []


def _error_reasons(exc: BaseException) -> list[str]:
    if isinstance(exc, InvalidTransition):  # the move became unsafe: its message lists why
        return str(exc).split("；")
    if isinstance(exc, Conflict):
        return ["迁移时出错：案件刚被他人办理或被定时任务改动，请重新预演后再迁移"]
    if isinstance(exc, SpiffWorkflowException):
        exc = wrap_spiff_error(exc)
    if isinstance(exc, ScriptError):
        return [f"迁移时出错：新版本的表达式计算失败（{exc}）"]
    return [f"迁移时出错：{exc}"]


def _case_reasons(case: Case, target: SpecVersion) -> list[str]:
    if case.process_id != target.process_id:
        return [f"案件属于另一流程（{case.process_id}）"]
    if case.status != CaseStatus.RUNNING.value:
        return ["案件已办结或运行出错，不迁移"]
    if case.spec_version_id == target.id:
        return ["案件已在该版本上"]
    return []
