"""The rules as data: revisions and drafts of the diagram, decision-table and form files.

``bpmn/`` is installed into the database on the first run; from then on policy staff change the
rules in the browser. A save stores a draft and lints the whole set as it would be published; only
a set without problems can be published. Publishing adds an immutable revision per file and
deploys every process, so new cases start on the new versions while running cases keep theirs.
A rollback publishes an earlier revision's text again. A program upgrade that ships a changed
file in ``bpmn/`` installs it as a new revision (noted as such) over whatever was published.

Several policy staff edit at once, so every write says what it started from: a save names the latest
revision and the draft token the editor loaded, a publish the token of each draft chosen. Anything
changed since then is refused with ``Conflict`` (a Chinese message the page shows) instead of being
overwritten; so are the duplicate keys and vanished rows of two writes racing each other.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.organisations.actors import Actor
from engine.store.errors import Conflict, DiagramInvalid, NotAllowed, NotFound, ValidationFailed
from engine.store.models import AuditEntry, RuleFileDraft, RuleFileRevision
from engine.store.status import Role

from .lint import Problem, lint_sources
from .specs import SpecRegistry, read_sources

FILE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,80}(\.bpmn|\.dmn|\.schema\.json|\.start\.schema\.json)$")
MAX_FILE_BYTES = 2 * 1024 * 1024
INSTALLER = "system"
RACED = "规则文件刚被他人同时修改或发布，请刷新后合并"


@dataclass(frozen=True)
class PublishResult:
    """What a publish (or rollback) produced: the new revision per file and the current version per process."""

    revisions: dict[str, int]
    spec_versions: list[int]


@dataclass(frozen=True)
class SavedDraft:
    """A stored draft: its new token (for the next save or publish) and what linting found."""

    token: str
    problems: list[Problem]  # of the whole set as it would be with every draft published
    alone: list[Problem]  # of the published set with only this draft added (what publishing it alone gives)


def require_policy(actor: Actor, action: str) -> None:
    """Only the policy role edits or publishes rules (the caller logs a refusal with ``audit_refusal``)."""
    if Role.POLICY.value not in actor.roles:
        raise NotAllowed(f"{action} needs the policy role")


def audit_refusal(session: Session, actor: Actor, action: str, target: str, now: datetime) -> None:
    """Record that someone without the policy role tried to change the rules (in its own transaction)."""
    session.execute(insert(AuditEntry).values(
        case_id=None, task_id=None, actor_id=actor.user_id, actor=actor.username, action="rules_refused",
        at=now, before=None, after={"action": action, "target": target},
    ))


def live_sources(session: Session) -> dict[str, str]:
    """The latest published text of every rule file, by file name."""
    latest = (select(RuleFileRevision.file_name, func.max(RuleFileRevision.number).label("number"))
              .group_by(RuleFileRevision.file_name).subquery())
    rows = session.execute(
        select(RuleFileRevision.file_name, RuleFileRevision.content)
        .join(latest, (RuleFileRevision.file_name == latest.c.file_name)
              & (RuleFileRevision.number == latest.c.number))
        .order_by(RuleFileRevision.file_name)
    )
    return {name: content for name, content in rows}


def install_directory(session: Session, registry: SpecRegistry, directory: Path, now: datetime) -> list[str]:
    """Install the files of ``directory`` that are new or changed since they were last installed; deploy.

    Returns the names of the files installed. A file a policy user changed is replaced only when the
    program itself ships a different text for it than the one installed last time.
    """
    installed_last = _last_installed(session)
    changed = [name for name, text in read_sources(directory).items() if installed_last.get(name) != _hash(text)]
    sources = read_sources(directory)
    for name in changed:
        note = "首次安装" if name not in installed_last else "随程序升级安装"
        _add_revision(session, name, sources[name], "installed", note, None, now)
    registry.deploy_sources(session, live_sources(session), now)
    return changed


def _last_installed(session: Session) -> dict[str, str]:
    latest = (select(RuleFileRevision.file_name, func.max(RuleFileRevision.number).label("number"))
              .where(RuleFileRevision.source == "installed").group_by(RuleFileRevision.file_name).subquery())
    rows = session.execute(
        select(RuleFileRevision.file_name, RuleFileRevision.content_hash)
        .join(latest, (RuleFileRevision.file_name == latest.c.file_name)
              & (RuleFileRevision.number == latest.c.number))
    )
    return {name: digest for name, digest in rows}


def drafts(session: Session) -> dict[str, RuleFileDraft]:
    """Every open draft by file name."""
    return {d.file_name: d for d in session.scalars(select(RuleFileDraft).order_by(RuleFileDraft.file_name))}


def workspace(session: Session) -> dict[str, str]:
    """The rule files as they would be with every open draft published."""
    sources = live_sources(session)
    sources.update({name: draft.content for name, draft in drafts(session).items()})
    return sources


def save_draft(
    session: Session, actor: Actor, file_name: str, content: str, now: datetime, *,
    base_revision: int | None, draft_token: str | None,
) -> SavedDraft:
    """Store ``content`` as the draft of ``file_name`` and lint the set it would publish into.

    ``base_revision`` is the file's latest revision and ``draft_token`` the draft's token (None: no
    draft) when the editor was opened. Saving over a draft whose base has since been published over
    takes it onto the latest revision: the editor showed the newer revision and the user merged.

    :raises ValidationFailed: a bad file name or an oversized text (nothing is stored).
    :raises Conflict: the file was published or rolled back, or its draft saved, published, discarded
        or started by someone else since the editor was opened.
    """
    require_policy(actor, "save_draft")
    _check_file(file_name, content)
    latest = latest_revision(session, file_name)
    if latest != base_revision:
        seen = f"第 {base_revision} 版" if base_revision is not None else "尚未发布"
        raise Conflict(f"{file_name} 已被他人发布或回滚为第 {latest} 版（您打开时{seen}），请刷新后合并")
    draft = session.get(RuleFileDraft, file_name)
    _check_token(file_name, draft, draft_token)
    problems = lint_sources(workspace_with(session, {file_name: content}))
    with _as_conflict(session):
        if draft is None:
            draft = RuleFileDraft(file_name=file_name)
            session.add(draft)
        draft.content, draft.base_number, draft.token = content, latest, uuid.uuid4().hex
        draft.updated_by_id, draft.updated_by, draft.updated_at = actor.user_id, actor.username, now
        draft.problems = [asdict(p) for p in problems]
    alone = lint_sources({**live_sources(session), file_name: content})
    return SavedDraft(draft.token, problems, alone)


def _check_token(file_name: str, draft: RuleFileDraft | None, token: str | None) -> None:
    if draft is None and token is not None:
        raise Conflict(f"{file_name} 的草稿已被他人发布或放弃，请刷新后合并")
    if draft is not None and token is None:
        raise Conflict(f"{draft.updated_by} 在您打开后保存了 {file_name} 的草稿，请刷新后合并")
    if draft is not None and draft.token != token:
        raise Conflict(f"{file_name} 的草稿已被 {draft.updated_by} 修改，请刷新后合并")


@contextmanager
def _as_conflict(session: Session) -> Iterator[None]:
    """Write in a savepoint; a racing colleague's row (duplicate key, changed or deleted row) is a Conflict."""
    try:
        with session.begin_nested():
            yield
            session.flush()
    except (IntegrityError, StaleDataError) as exc:
        raise Conflict(RACED) from exc


def workspace_with(session: Session, changes: Mapping[str, str]) -> dict[str, str]:
    """The workspace with ``changes`` applied on top (a draft being saved)."""
    sources = workspace(session)
    sources.update(changes)
    return sources


def discard_draft(session: Session, actor: Actor, file_name: str) -> None:
    """Throw a draft away; the published revision stays as it is."""
    require_policy(actor, "discard_draft")
    draft = session.get(RuleFileDraft, file_name)
    if draft is None:
        raise NotFound(f"no draft of {file_name}")
    with _as_conflict(session):
        session.delete(draft)


def publish(
    session: Session, registry: SpecRegistry, actor: Actor, now: datetime, tokens: Mapping[str, str | None],
    note: str = "",
) -> PublishResult:
    """Publish the drafts named in ``tokens`` (file name → the draft token the user saw) if the set lints clean.

    :raises ValidationFailed: no draft chosen.
    :raises Conflict: a draft was changed, published or discarded since the user saw it, or its base
        revision is no longer the latest (someone published or rolled the file back meanwhile).
    :raises DiagramInvalid: with the problems; nothing is published.
    """
    require_policy(actor, "publish")
    if not tokens:
        raise ValidationFailed({"file_name": ["请勾选要发布的草稿"]})
    open_drafts = drafts(session)
    stale = sorted(n for n, token in tokens.items() if n not in open_drafts or open_drafts[n].token != token)
    if stale:
        raise Conflict(f"{'、'.join(stale)} 的草稿已被他人修改、发布或放弃，请刷新后合并")
    for name in sorted(tokens):
        base, latest = open_drafts[name].base_number, latest_revision(session, name)
        if base != latest:
            raise Conflict(f"{name}：草稿基于第 {base} 版，当前已是第 {latest} 版，请先刷新合并")
    chosen = [open_drafts[n] for n in sorted(tokens)]
    return _release(session, registry, actor, {d.file_name: d.content for d in chosen}, "editor", note, now,
                    "rules_published", chosen)


def rollback(
    session: Session, registry: SpecRegistry, actor: Actor, file_name: str, number: int, now: datetime,
) -> PublishResult:
    """Publish revision ``number`` of ``file_name`` again as its newest revision (audited as a rollback)."""
    require_policy(actor, "rollback")
    old = session.scalar(select(RuleFileRevision).where(
        RuleFileRevision.file_name == file_name, RuleFileRevision.number == number))
    if old is None:
        raise NotFound(f"{file_name} has no revision {number}")
    return _release(session, registry, actor, {file_name: old.content}, "rollback", f"回滚到第 {number} 版", now,
                    "rules_rolled_back")


def _release(
    session: Session, registry: SpecRegistry, actor: Actor, changes: dict[str, str], source: str, note: str,
    now: datetime, action: str, published: Iterable[RuleFileDraft] = (),
) -> PublishResult:
    live = live_sources(session)
    candidate = {**live, **changes}
    problems = lint_sources(candidate)
    if problems:
        raise DiagramInvalid(f"{len(problems)} problem(s); nothing was published",
                             [(p.element_id or p.file, p.message) for p in problems])
    before = {name: latest_revision(session, name) for name in changes}
    with _as_conflict(session):
        numbers = {name: _add_revision(session, name, text, source, note, actor, now)
                   for name, text in changes.items()}
        for draft in published:
            session.delete(draft)
    versions = registry.deploy_sources(session, candidate, now, created_by=actor.username)
    session.execute(insert(AuditEntry).values(
        case_id=None, task_id=None, actor_id=actor.user_id, actor=actor.username, action=action, at=now,
        before={"revisions": before}, after={"revisions": numbers, "spec_versions": versions, "note": note},
    ))
    return PublishResult(numbers, versions)


def _add_revision(
    session: Session, file_name: str, content: str, source: str, note: str, actor: Actor | None, now: datetime,
) -> int:
    number = (latest_revision(session, file_name) or 0) + 1
    session.add(RuleFileRevision(
        file_name=file_name, number=number, content=content, content_hash=_hash(content), source=source,
        note=note, published_by_id=actor.user_id if actor else None,
        published_by=actor.username if actor else INSTALLER, published_at=now,
    ))
    session.flush()
    return number


def latest_revision(session: Session, file_name: str) -> int | None:
    """The number of the newest published revision of ``file_name`` (None: never published)."""
    number: int | None = session.scalar(
        select(func.max(RuleFileRevision.number)).where(RuleFileRevision.file_name == file_name))
    return number


def _check_file(file_name: str, content: str) -> None:
    errors: dict[str, list[str]] = {}
    if not FILE_NAME.match(file_name):
        errors["file_name"] = ["文件名只能用小写字母、数字和下划线，以 .bpmn、.dmn 或 .schema.json 结尾"]
    if len(content.encode("utf-8")) > MAX_FILE_BYTES:
        errors["content"] = ["文件过大（不超过 2MB）"]
    elif not content.strip():
        errors["content"] = ["内容为空"]
    if errors:
        raise ValidationFailed(errors)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
