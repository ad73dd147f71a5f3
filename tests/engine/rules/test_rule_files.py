"""Rule files as data: install from bpmn/, drafts linted on save, publish, rollback, who may do it."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from engine.organisations.actors import Actor, actor_for
from engine.rules.rule_files import (
    SavedDraft,
    audit_refusal,
    discard_draft,
    drafts,
    install_directory,
    latest_revision,
    live_sources,
    publish,
    rollback,
    save_draft,
)
from engine.rules.specs import read_sources
from engine.store.errors import Conflict, DiagramInvalid, NotAllowed, ValidationFailed
from engine.store.models import AuditEntry, Organisation, RuleFileDraft, RuleFileRevision, SpecVersion, User
from tests.engine.scenario import BPMN_DIR

ROUTING = "application_routing.dmn"
LANE_REF = "<bpmn:flowNodeRef>accept_application</bpmn:flowNodeRef>"


def _user(s, username: str) -> Actor:
    return actor_for(s.scalars(select(User).where(User.username == username)).one())


def _save(s, name: str, text: str, clock, token: str | None = None, base: int | None = 1,
          user: str = "policy") -> SavedDraft:
    return save_draft(s, _user(s, user), name, text, clock(), base_revision=base, draft_token=token)


def _current(s, process_id: str) -> SpecVersion:
    return s.scalars(select(SpecVersion).where(SpecVersion.process_id == process_id, SpecVersion.is_current)).one()


@pytest.fixture
def installed(any_database, engine, clock):
    with any_database.factory() as s, s.begin():
        install_directory(s, engine.registry, BPMN_DIR, clock())
    return any_database


def test_first_run_installs_every_file_once(installed, engine, clock):
    with installed.factory() as s:
        assert live_sources(s) == read_sources(BPMN_DIR)
        assert set(s.scalars(select(RuleFileRevision.number))) == {1}
    with installed.factory() as s, s.begin():
        assert install_directory(s, engine.registry, BPMN_DIR, clock()) == []  # nothing changed


def test_an_invalid_draft_is_kept_with_its_problems_and_cannot_be_published(installed, engine, clock):
    with installed.factory() as s, s.begin():
        policy = _user(s, "policy")
        text = live_sources(s)["verification_request.bpmn"]
        assert text.count(LANE_REF) == 1
        saved = save_draft(s, policy, "verification_request.bpmn", text.replace(LANE_REF, ""), clock(),
                           base_revision=1, draft_token=None)
        problems = saved.problems
        assert saved.alone == problems
        assert [(p.element_id, p.element_name) for p in problems] == [("accept_application", "受理检定申请")]
        assert "泳道" in problems[0].message
    with installed.factory() as s, s.begin():
        stored = drafts(s)["verification_request.bpmn"]
        assert stored.problems[0]["element_id"] == "accept_application"
        before = _current(s, "verification_request").id
        with pytest.raises(DiagramInvalid) as refused:
            publish(s, engine.registry, _user(s, "policy"), clock(), {"verification_request.bpmn": stored.token})
        assert refused.value.problems[0][0] == "accept_application"
        assert _current(s, "verification_request").id == before
        assert s.scalar(select(func.max(RuleFileRevision.number))) == 1


def test_publish_makes_new_cases_use_the_new_rules_and_rollback_restores_the_old(installed, engine, clock):
    with installed.factory() as s, s.begin():
        policy = _user(s, "policy")
        old = _current(s, "verification_request")
        old_routing = live_sources(s)[ROUTING]
        changed = old_routing.replace("兜底规则：", "兜底规则（修订）：")
        assert changed != old_routing
        saved = save_draft(s, policy, ROUTING, changed, clock(), base_revision=1, draft_token=None)
        assert saved.problems == []
        result = publish(s, engine.registry, policy, clock(), {ROUTING: saved.token}, note="修订兜底规则说明")
        assert result.revisions == {ROUTING: 2}
        new = _current(s, "verification_request")
        assert new.id != old.id and new.created_by == "policy"
        assert new.sources[ROUTING] == changed
        assert not drafts(s)
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "rules_published")).all()
        assert entry.actor == "policy" and entry.after["revisions"] == {ROUTING: 2}
        assert entry.before == {"revisions": {ROUTING: 1}}
    with installed.factory() as s, s.begin():
        rollback(s, engine.registry, _user(s, "policy"), ROUTING, 1, clock())
        assert live_sources(s)[ROUTING] == old_routing
        assert _current(s, "verification_request").id == old.id  # the same content is the same version
        numbers = list(s.scalars(select(RuleFileRevision.number).where(RuleFileRevision.file_name == ROUTING)))
        assert sorted(numbers) == [1, 2, 3]
        assert s.scalars(select(AuditEntry.action).where(AuditEntry.action == "rules_rolled_back")).all()


def test_only_policy_staff_change_rules_and_refusals_are_logged(installed, engine, clock):
    with installed.factory() as s, s.begin():
        clerk = _user(s, "shenyang_institute")
        with pytest.raises(NotAllowed):
            save_draft(s, clerk, ROUTING, "x", clock(), base_revision=1, draft_token=None)
        with pytest.raises(NotAllowed):
            publish(s, engine.registry, clerk, clock(), {ROUTING: None})
        audit_refusal(s, clerk, "publish", ROUTING, clock())
    with installed.factory() as s:
        assert not drafts(s)
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "rules_refused")).all()
        assert entry.actor == "shenyang_institute" and entry.after == {"action": "publish", "target": ROUTING}


def test_a_bad_file_name_or_empty_text_is_refused_field_by_field(installed, clock):
    with installed.factory() as s, s.begin():
        with pytest.raises(ValidationFailed) as refused:
            _save(s, "../etc/passwd", " ", clock, base=None)
        assert set(refused.value.errors) == {"file_name", "content"}


def test_a_program_upgrade_installs_a_changed_file_over_the_published_one(installed, engine, clock, tmp_path):
    upgraded = tmp_path / "bpmn"
    upgraded.mkdir()
    for name, text in read_sources(BPMN_DIR).items():
        (upgraded / name).write_text(text.replace("兜底规则：", "兜底规则（新版程序）：") if name == ROUTING else text,
                                     encoding="utf-8")
    with installed.factory() as s, s.begin():
        assert install_directory(s, engine.registry, upgraded, clock()) == [ROUTING]
        latest = s.scalars(select(RuleFileRevision).where(RuleFileRevision.file_name == ROUTING)
                           .order_by(RuleFileRevision.number.desc())).first()
        assert (latest.number, latest.source, latest.note) == (2, "installed", "随程序升级安装")
        assert s.scalar(select(func.count()).select_from(Organisation)) > 0


def _routing(s, label: str) -> str:
    return live_sources(s)[ROUTING].replace("兜底规则：", f"兜底规则（{label}）：")


def _saved_text(db) -> str | None:
    with db.factory() as s:
        draft = drafts(s).get(ROUTING)
        return draft.content if draft else None


def test_a_save_from_an_editor_opened_before_a_colleague_published_is_refused(installed, engine, clock):
    with installed.factory() as s, s.begin():  # A opens the editor: revision 1, no draft; B saves and publishes
        b = _save(s, ROUTING, _routing(s, "B"), clock)
        publish(s, engine.registry, _user(s, "policy"), clock(), {ROUTING: b.token})
    with installed.factory() as s, s.begin():
        with pytest.raises(Conflict, match="第 2 版"):
            _save(s, ROUTING, _routing(s, "A"), clock)  # A still thinks revision 1 is the latest
    assert _saved_text(installed) is None
    with installed.factory() as s:
        assert "兜底规则（B）" in live_sources(s)[ROUTING]


def test_a_colleagues_draft_is_never_overwritten_by_an_editor_that_loaded_another(installed, clock):
    with installed.factory() as s, s.begin():
        first = _save(s, ROUTING, _routing(s, "B"), clock)
    with installed.factory() as s, s.begin():
        with pytest.raises(Conflict, match="在您打开后保存了"):
            _save(s, ROUTING, _routing(s, "A"), clock)  # opened before B's draft existed
        with pytest.raises(Conflict, match="已被 policy 修改"):
            _save(s, ROUTING, _routing(s, "A"), clock, token="0" * 32)
        discard_draft(s, _user(s, "policy"), ROUTING)
        recreated = _save(s, ROUTING, _routing(s, "C"), clock)  # a new draft: a new token, not "version 1" again
        assert recreated.token != first.token
        with pytest.raises(Conflict):
            _save(s, ROUTING, _routing(s, "A"), clock, token=first.token)
        discard_draft(s, _user(s, "policy"), ROUTING)
        with pytest.raises(Conflict, match="已被他人发布或放弃"):
            _save(s, ROUTING, _routing(s, "A"), clock, token=recreated.token)  # the draft it loaded is gone
        again = _save(s, ROUTING, _routing(s, "D"), clock)
        assert _save(s, ROUTING, _routing(s, "E"), clock, token=again.token).token != again.token


def test_a_rollback_while_a_draft_is_open_makes_the_draft_rebase_before_it_is_published(installed, engine, clock):
    with installed.factory() as s, s.begin():
        published = _save(s, ROUTING, _routing(s, "2"), clock)
        publish(s, engine.registry, _user(s, "policy"), clock(), {ROUTING: published.token})
        draft = _save(s, ROUTING, _routing(s, "草稿"), clock, base=2)
        rollback(s, engine.registry, _user(s, "policy"), ROUTING, 1, clock())  # revision 3 = revision 1
        with pytest.raises(Conflict, match="第 3 版"):
            _save(s, ROUTING, _routing(s, "草稿二"), clock, token=draft.token, base=2)
        with pytest.raises(Conflict, match="草稿基于第 2 版，当前已是第 3 版"):
            publish(s, engine.registry, _user(s, "policy"), clock(), {ROUTING: draft.token})
        merged = _save(s, ROUTING, _routing(s, "合并"), clock, token=draft.token, base=3)  # reopened and merged
        assert drafts(s)[ROUTING].base_number == 3
        assert publish(s, engine.registry, _user(s, "policy"), clock(), {ROUTING: merged.token}).revisions == {
            ROUTING: 4}


def test_publish_takes_only_the_drafts_chosen_with_the_tokens_seen(installed, engine, clock):
    form = "verify.schema.json"
    with installed.factory() as s, s.begin():
        mine = _save(s, ROUTING, _routing(s, "我的"), clock)
        theirs = _save(s, form, live_sources(s)[form].replace("检定", "检定（同事）", 1), clock)
        with pytest.raises(ValidationFailed):
            publish(s, engine.registry, _user(s, "policy"), clock(), {})
        newer = _save(s, ROUTING, _routing(s, "我的二"), clock, token=mine.token)
        with pytest.raises(Conflict, match=ROUTING):
            publish(s, engine.registry, _user(s, "policy"), clock(), {ROUTING: mine.token})  # changed since seen
        assert publish(s, engine.registry, _user(s, "policy"), clock(), {ROUTING: newer.token}).revisions == {
            ROUTING: 2}
        assert list(drafts(s)) == [form] and drafts(s)[form].token == theirs.token  # the colleague's stays


def _meanwhile(s, statement) -> None:
    """Run ``statement`` just before the session's next flush: a colleague's write landing after our checks."""
    event.listen(s, "before_flush", lambda session, *_: session.connection().execute(statement), once=True)


def test_two_first_saves_of_a_file_at_once_are_a_conflict_not_an_error(installed, clock):
    with installed.factory() as s, s.begin():
        _meanwhile(s, RuleFileDraft.__table__.insert().values(
            file_name=ROUTING, content="x", base_number=1, problems=[], updated_by="colleague",
            updated_at=clock(), token="c" * 32))
        with pytest.raises(Conflict, match="同时"):
            _save(s, ROUTING, _routing(s, "A"), clock)
        assert ROUTING not in drafts(s)  # the savepoint is rolled back; the session is still usable


def test_two_publishes_at_once_are_a_conflict_not_an_error(installed, engine, clock):
    with installed.factory() as s, s.begin():
        saved = _save(s, ROUTING, _routing(s, "A"), clock)
        _meanwhile(s, RuleFileRevision.__table__.insert().values(
            file_name=ROUTING, number=2, content="x", content_hash="x", source="editor", note="",
            published_by="colleague", published_at=clock()))
        with pytest.raises(Conflict, match="同时"):
            publish(s, engine.registry, _user(s, "policy"), clock(), {ROUTING: saved.token})
        assert latest_revision(s, ROUTING) == 1 and ROUTING in drafts(s)


def test_a_save_racing_a_publish_is_a_conflict_not_an_error(installed, clock):
    with installed.factory() as s, s.begin():
        saved = _save(s, ROUTING, _routing(s, "A"), clock)
    with installed.factory() as s, s.begin():
        _meanwhile(s, RuleFileDraft.__table__.delete())
        with pytest.raises(Conflict, match="同时"):
            _save(s, ROUTING, _routing(s, "B"), clock, token=saved.token)
