"""Moving running cases to another version of their process: a dry run per case, the move, and undo.

The engine decides which cases may move (nothing already done may change) and audits each move; this
page shows its reasons in Chinese and lets policy staff move the chosen cases or every movable one.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine import (
    InvalidTransition,
    MigrationCheck,
    NotFound,
    diff_sources,
    dry_run,
    get_version,
    migrate_cases,
    process_migrations,
    process_versions,
    undo_migration,
    version_sources,
)

from ..shared import form_id, get_session, get_system, write_session
from .rule_access import guard_policy
from .rule_releases import CHANGE_KINDS

bp = Blueprint("rule_migration", __name__, url_prefix="/rules")
guard_policy(bp)


@bp.route("/versions/<id:version_id>/migrate")
def migrate(version_id: int) -> Any:
    """The dry run: every running case of the process on another version, whether it can move and why not."""
    session = get_session()
    target = get_version(session, version_id)
    versions = process_versions(session, target.process_id)[target.process_id]
    checks = _dry_run(version_id)
    target_sources = version_sources(session, version_id)
    version_diffs = [(v, diff_sources(version_sources(session, v.id), target_sources))
                     for v in versions if v.id != version_id and v.running]
    return render_template(
        "rules/migrate.html", target=target, versions=versions, process_name=_process_name(session, version_id),
        checks=checks, version_diffs=version_diffs, change_kinds=CHANGE_KINDS,
        sequence={v.id: v.sequence for v in versions}, movable=sum(1 for c in checks if c.can_move),
        migrations=process_migrations(session, target.process_id))


def _dry_run(version_id: int) -> list[MigrationCheck]:
    """The dry run really moves each case and rolls it back, so it needs a writer session it never commits."""
    system = get_system()
    with system.sessions() as session:
        try:
            return dry_run(session, system.engine, version_id)
        finally:
            session.rollback()


def _process_name(session: Any, version_id: int) -> str:
    """The process's name from its BPMN diagram (its id when the diagram names none)."""
    spec = get_system().engine.registry.get(session, version_id).spec
    return str(spec.description or spec.name)


@bp.route("/versions/<id:version_id>/migrate", methods=("POST",))
def move(version_id: int) -> Any:
    """Move the ticked cases (or, with ``all``, every case that can move) and report each one."""
    move_all = request.form.get("all") == "1"
    case_ids = None if move_all else request.form.getlist("case_id", type=form_id)
    if not move_all and not case_ids:
        flash("请勾选要迁移的案件", "error")
        return redirect(url_for(".migrate", version_id=version_id))
    with write_session() as session:
        results = migrate_cases(session, get_system().engine, g.actor, version_id, case_ids)
    moved = [r.case_number for r in results if r.moved]
    kept = [f"{r.case_number}（{'；'.join(r.reasons)}）" for r in results if not r.moved]
    if moved:
        flash(f"已迁移 {len(moved)} 件：{'、'.join(moved)}")
    if kept:
        flash(f"未迁移 {len(kept)} 件：{'；'.join(kept)}", "error")
    if not results:
        flash("没有可迁移的案件", "error")
    return redirect(url_for(".migrate", version_id=version_id))


@bp.route("/migrations/<id:migration_id>/undo", methods=("POST",))
def undo(migration_id: int) -> Any:
    """Put a migrated case back on its old version, if nobody has worked on it since."""
    back_to = request.form.get("version_id", type=form_id)
    try:
        with write_session() as session:
            undo_migration(session, get_system().engine, g.actor, migration_id)
    except InvalidTransition as exc:
        flash(f"不能撤销：{exc}", "error")
    except NotFound:
        flash("找不到该迁移记录", "error")
    else:
        flash("已撤销迁移，案件回到原版本")
    if back_to is None:
        return redirect(url_for("rules.index"))
    return redirect(url_for(".migrate", version_id=back_to))
