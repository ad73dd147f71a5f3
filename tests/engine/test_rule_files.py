"""Rule files as data: install from bpmn/, drafts linted on save, publish, rollback, who may do it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.actors import Actor, actor_for
from engine.errors import DiagramInvalid, NotAllowed, ValidationFailed
from engine.models import AuditEntry, Organisation, RuleFileRevision, SpecVersion, User
from engine.rule_files import (
    audit_refusal,
    drafts,
    install_directory,
    live_sources,
    publish,
    rollback,
    save_draft,
)
from engine.specs import read_sources

from .scenario import BPMN_DIR

ROUTING = "application_routing.dmn"
LANE_REF = "<bpmn:flowNodeRef>accept_application</bpmn:flowNodeRef>"


def _user(s, username: str) -> Actor:
    return actor_for(s.scalars(select(User).where(User.username == username)).one())


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
        problems = save_draft(s, policy, "verification_request.bpmn", text.replace(LANE_REF, ""), clock())
        assert [(p.element_id, p.element_name) for p in problems] == [("accept_application", "受理检定申请")]
        assert "泳道" in problems[0].message
    with installed.factory() as s, s.begin():
        stored = drafts(s)["verification_request.bpmn"]
        assert stored.problems[0]["element_id"] == "accept_application"
        before = _current(s, "verification_request").id
        with pytest.raises(DiagramInvalid) as refused:
            publish(s, engine.registry, _user(s, "policy"), clock())
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
        assert save_draft(s, policy, ROUTING, changed, clock()) == []
        result = publish(s, engine.registry, policy, clock(), note="修订兜底规则说明")
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
            save_draft(s, clerk, ROUTING, "x", clock())
        with pytest.raises(NotAllowed):
            publish(s, engine.registry, clerk, clock())
        audit_refusal(s, clerk, "publish", ROUTING, clock())
    with installed.factory() as s:
        assert not drafts(s)
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "rules_refused")).all()
        assert entry.actor == "shenyang_institute" and entry.after == {"action": "publish", "target": ROUTING}


def test_a_bad_file_name_or_empty_text_is_refused_field_by_field(installed, clock):
    with installed.factory() as s, s.begin():
        with pytest.raises(ValidationFailed) as refused:
            save_draft(s, _user(s, "policy"), "../etc/passwd", " ", clock())
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
