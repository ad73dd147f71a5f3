"""The read side of the rule editor: files with their published revision and open draft, process versions
with how many cases run on them, a file's revision history, and the migrations of a process.

Policy staff decide from these screens whether to publish and which cases to move, so every row says who
did what and when, and a version is numbered per process (1, 2, ...) the way they talk about it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.store.errors import NotFound
from engine.store.models import Case, CaseMigration, RuleFileRevision, SpecVersion
from engine.store.status import CaseStatus

from .form_fields import FORM_SUFFIX
from .lint import Problem, lint_sources
from .rule_files import drafts, live_sources
from .rule_xml import parse_xml

KINDS = {".bpmn": "process", ".dmn": "decision"}


@dataclass(frozen=True)
class RuleFileRow:
    """One rule file as the model list shows it: its latest revision and its open draft (if any)."""

    file_name: str
    kind: str  # process, decision, form
    title: str
    number: int
    source: str
    published_by: str
    published_at: datetime
    draft_by: str | None
    draft_at: datetime | None
    draft_problems: int


@dataclass(frozen=True)
class VersionRow:
    """One deployed version of a process, numbered per process, with the cases on it."""

    id: int
    process_id: str
    sequence: int
    is_current: bool
    created_at: datetime
    created_by: str | None
    running: int
    total: int


@dataclass(frozen=True)
class MigrationRow:
    """A migration record with the case number and the per-process version numbers it moved between."""

    record: CaseMigration
    case_number: str
    from_sequence: int
    to_sequence: int


def draft_problems_alone(session: Session) -> dict[str, list[Problem]]:
    """For each open draft, the problems of publishing it alone (the published set plus that draft)."""
    live = live_sources(session)
    return {name: lint_sources({**live, name: d.content}) for name, d in drafts(session).items()}


def file_kind(file_name: str) -> str:
    """"process", "decision" or "form", from the file name."""
    return KINDS.get(PurePosixPath(file_name).suffix, "form")


def rule_file_rows(session: Session) -> list[RuleFileRow]:
    """Every published rule file, processes first, then decision tables, then forms."""
    latest = _latest_revisions(session)
    texts = live_sources(session)
    open_drafts = drafts(session)
    rows = []
    for name, rev in latest.items():
        draft = open_drafts.get(name)
        rows.append(RuleFileRow(
            name, file_kind(name), file_title(name, texts.get(name, "")), rev.number, rev.source, rev.published_by,
            rev.published_at, draft.updated_by if draft else None, draft.updated_at if draft else None,
            len(draft.problems) if draft else 0))
    order = {"process": 0, "decision": 1, "form": 2}
    return sorted(rows, key=lambda r: (order[r.kind], r.file_name))


def _latest_revisions(session: Session) -> dict[str, RuleFileRevision]:
    latest = (select(RuleFileRevision.file_name, func.max(RuleFileRevision.number).label("number"))
              .group_by(RuleFileRevision.file_name).subquery())
    rows = session.scalars(select(RuleFileRevision).join(
        latest, (RuleFileRevision.file_name == latest.c.file_name) & (RuleFileRevision.number == latest.c.number)))
    return {r.file_name: r for r in rows}


def file_title(file_name: str, text: str) -> str:
    """The process, decision-table or form title a file carries, else its name."""
    try:
        if file_name.endswith(FORM_SUFFIX):
            form = json.loads(text)
            return str(form.get("title") or file_name) if isinstance(form, dict) else file_name
        root = parse_xml(text)
    except (etree.XMLSyntaxError, json.JSONDecodeError, ValueError):
        return file_name
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.rsplit("}", 1)[-1] in ("process", "decision"):
            return str(element.get("name") or file_name)
    return file_name


def process_versions(session: Session, process_id: str | None = None) -> dict[str, list[VersionRow]]:
    """The versions of each process (or of one), oldest first, with running and all cases on each."""
    counts: dict[int, dict[str, int]] = {}
    for version_id, status, count in session.execute(
            select(Case.spec_version_id, Case.status, func.count()).group_by(Case.spec_version_id, Case.status)):
        counts.setdefault(version_id, {})[status] = count
    query = select(SpecVersion.id, SpecVersion.process_id, SpecVersion.is_current, SpecVersion.created_at,
                   SpecVersion.created_by).order_by(SpecVersion.id)
    if process_id is not None:
        query = query.where(SpecVersion.process_id == process_id)
    result: dict[str, list[VersionRow]] = {}
    for vid, pid, current, created_at, created_by in session.execute(query):
        found = counts.get(vid, {})
        rows = result.setdefault(pid, [])
        rows.append(VersionRow(vid, pid, len(rows) + 1, current, created_at, created_by,
                               found.get(CaseStatus.RUNNING.value, 0), sum(found.values())))
    return result


@dataclass(frozen=True)
class RevisionCases:
    """One revision of a decision table or form, with the cases running on process versions built from it."""

    number: int
    published_by: str
    published_at: datetime
    running: int
    total: int


def revision_case_counts(session: Session, kinds: tuple[str, ...] = ("decision", "form")) -> dict[
        str, list[RevisionCases]]:
    """Per decision-table and form file, its revisions (newest first) with how many cases use each text.

    Cases run on process versions, and each version holds the exact text of every file it was built from;
    a revision counts the cases on the versions holding its text (a rolled-back text counts for both
    revisions that carry it).
    """
    counts: dict[int, dict[str, int]] = {}
    for version_id, status, count in session.execute(
            select(Case.spec_version_id, Case.status, func.count()).group_by(Case.spec_version_id, Case.status)):
        counts.setdefault(version_id, {})[status] = count
    by_text: dict[tuple[str, str], list[int]] = {}
    for version_id, sources in session.execute(select(SpecVersion.id, SpecVersion.sources)):
        for name, text in (sources or {}).items():
            by_text.setdefault((name, text), []).append(version_id)
    result: dict[str, list[RevisionCases]] = {}
    revisions = session.scalars(select(RuleFileRevision).order_by(RuleFileRevision.file_name,
                                                                  RuleFileRevision.number.desc()))
    for revision in revisions:
        if file_kind(revision.file_name) not in kinds:
            continue
        versions = by_text.get((revision.file_name, revision.content), [])
        found = [counts.get(v, {}) for v in versions]
        result.setdefault(revision.file_name, []).append(RevisionCases(
            revision.number, revision.published_by, revision.published_at,
            sum(c.get(CaseStatus.RUNNING.value, 0) for c in found), sum(sum(c.values()) for c in found)))
    return result


def get_version(session: Session, version_id: int) -> VersionRow:
    """The version row of ``version_id`` with its per-process number.

    :raises NotFound: no such version.
    """
    process_id = session.scalar(select(SpecVersion.process_id).where(SpecVersion.id == version_id))
    if process_id is None:
        raise NotFound(f"spec version {version_id} does not exist")
    return next(v for v in process_versions(session, process_id)[process_id] if v.id == version_id)


def version_sources(session: Session, version_id: int) -> dict[str, str]:
    """The rule files a process version was built from, by file name (for a diff between versions).

    :raises NotFound: no such version.
    """
    sources = session.scalar(select(SpecVersion.sources).where(SpecVersion.id == version_id))
    if sources is None:
        raise NotFound(f"spec version {version_id} does not exist")
    return dict(sources)


def file_revisions(session: Session, file_name: str) -> list[RuleFileRevision]:
    """Every revision of ``file_name``, newest first.

    :raises NotFound: the file has never been published.
    """
    rows = list(session.scalars(select(RuleFileRevision).where(RuleFileRevision.file_name == file_name)
                                .order_by(RuleFileRevision.number.desc())))
    if not rows:
        raise NotFound(f"rule file {file_name} does not exist")
    return rows


def process_migrations(session: Session, process_id: str) -> list[MigrationRow]:
    """The migration records of the process's cases, newest first."""
    sequence = {v.id: v.sequence for v in process_versions(session, process_id).get(process_id, [])}
    rows = session.execute(select(CaseMigration, Case.number).join(Case, Case.id == CaseMigration.case_id)
                           .where(Case.process_id == process_id).order_by(CaseMigration.id.desc()))
    return [MigrationRow(record, number, sequence.get(record.from_version_id, 0),
                         sequence.get(record.to_version_id, 0)) for record, number in rows]
