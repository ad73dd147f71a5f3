"""Policy staff move running cases to a newer process version: dry run, move, undo.

The dry run lists every chosen case with whether it can move and why not. A move keeps the case's
state from before in ``case_migration`` so it can be undone while nobody has worked on the case
since; after that, undoing would throw work away, and the case has to be moved back (if safe).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actors import Actor
from .case_migration import MigrationCheck
from .errors import InvalidTransition, NotFound
from .models import Case, CaseMigration, SpecVersion
from .rule_files import require_policy
from .runtime import Engine
from .status import CaseStatus


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
    """Which of the chosen cases (all running ones when None) can move to the target version, and why not."""
    target_row, cases = _target_and_cases(session, target_version_id, case_ids)
    target = engine.registry.get(session, target_row.id)
    checks = []
    for case in cases:
        reasons = _case_reasons(case, target_row) or engine.migration_blockers(session, case, target)
        checks.append(MigrationCheck(case.id, case.number, case.spec_version_id, not reasons, tuple(reasons)))
    return checks


def migrate_cases(session: Session, engine: Engine, actor: Actor, target_version_id: int,
                  case_ids: Iterable[int] | None = None) -> list[MoveResult]:
    """Move every chosen case that can move; the others are reported with their reasons."""
    require_policy(actor, "migrate")
    target_row, cases = _target_and_cases(session, target_version_id, case_ids)
    target = engine.registry.get(session, target_row.id)
    results = []
    for case in cases:
        reasons = _case_reasons(case, target_row)
        if reasons:
            results.append(MoveResult(case.id, case.number, False, None, tuple(reasons)))
            continue
        before_state, from_version = case.state, case.spec_version_id
        try:
            with session.begin_nested():
                engine.move_case(session, case, target, actor)
        except InvalidTransition as exc:
            results.append(MoveResult(case.id, case.number, False, None, tuple(str(exc).split("；"))))
            continue
        record = CaseMigration(case_id=case.id, from_version_id=from_version, to_version_id=target.id,
                               state_before=before_state, case_version_after=case.version,
                               moved_by_id=actor.user_id, moved_by=actor.username, moved_at=engine.clock())
        session.add(record)
        session.flush()
        results.append(MoveResult(case.id, case.number, True, record.id, ()))
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


def _case_reasons(case: Case, target: SpecVersion) -> list[str]:
    if case.process_id != target.process_id:
        return [f"案件属于另一流程（{case.process_id}）"]
    if case.status != CaseStatus.RUNNING.value:
        return ["案件已办结或异常，不迁移"]
    if case.spec_version_id == target.id:
        return ["案件已在该版本上"]
    return []
