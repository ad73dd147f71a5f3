"""What an owner unit (使用单位) starts: a filing of instruments, an application for verification."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import optimistic_start
from engine.cases.optimistic_step import read_session, runs_unlocked
from engine.cases.runtime import CaseRef, Engine
from engine.organisations.actors import Actor
from engine.rules.filing_limits import check_instrument_count
from engine.store.bounds import MAX_CASE_TITLE
from engine.store.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from engine.store.models import Case, Instrument, Organisation
from engine.store.status import LIVE_CASE_STATUSES, OrgKind, Role

FILING = "filing"
VERIFICATION_REQUEST = "verification_request"
_BUREAU_KINDS = (OrgKind.COUNTY_BUREAU.value, OrgKind.CITY_BUREAU.value, OrgKind.PROVINCE_BUREAU.value)
NOT_AN_ASSESSING_DEPARTMENT = "请选择主持考核的市场监管部门：器具使用地的县（市、区）、市或省市场监督管理局"


def _require_owner(actor: Actor) -> int:
    if Role.OWNER.value not in actor.roles or actor.organisation_id is None:
        raise NotAllowed("only an owner unit (使用单位) can file instruments or apply for verification")
    return actor.organisation_id


def file_instruments(
    session: Session, engine: Engine, actor: Actor, county_code: str, instruments: list[dict[str, Any]],
) -> CaseRef:
    """Start a filing (备案, Notice 一.（二）) of a list of instruments used in ``county_code``."""
    owner_org_id = _require_owner(actor)
    check_instrument_count({"instruments": instruments})  # before the ledger lookup reads the list
    with read_session(session) as reader:  # on SQLite, not under the write lock: the ledger upsert is the guard
        _refuse_already_filed(reader, owner_org_id, instruments)
    title = f"备案：{len(instruments)} 台计量器具" if isinstance(instruments, list) else "备案"
    data = {"county_code": county_code, "instruments": instruments}
    return engine.start_case(session, FILING, data, actor, title=title)


def _refuse_already_filed(session: Session, owner_org_id: int, instruments: Any) -> None:
    """An instrument already in the owner's ledger is not filed again (duplicate instrument)."""
    if not isinstance(instruments, list):
        return  # the start form reports the malformed list
    filed = {
        (serial, kind): number for serial, kind, number in session.execute(
            select(Instrument.serial_no, Instrument.instrument_type, Instrument.id)
            .where(Instrument.owner_org_id == owner_org_id)).tuples()
    }
    errors = {}
    for n, item in enumerate(instruments):
        if isinstance(item, dict):
            key = (str(item.get("serial_no", "")), str(item.get("instrument_type", "")))
            if key in filed:
                errors[f"instruments.{n}.serial_no"] = [f"该器具已备案（台账编号 {filed[key]}）"]
    if errors:
        raise ValidationFailed(errors)


def apply_for_verification(
    session: Session, engine: Engine, actor: Actor, instrument_id: int, assessing_org_id: int | None = None,
) -> CaseRef:
    """Apply for periodic verification of a ledger instrument (申请, Notice 一.（三）).

    The case facts (type, category, place of use) come from the ledger, never from the form. On SQLite
    the checks and the start's diagram code run before the write lock is taken; under it the checks run
    again before the case is inserted, and a changed answer starts the case under the lock instead.
    :raises NotFound: the instrument is not in this owner's ledger.
    :raises ValidationFailed: ``assessing_org_id`` is not a bureau over the instrument's place of use.
    :raises InvalidTransition: an application for it is already running.
    """
    owner_org_id = _require_owner(actor)
    unlocked = runs_unlocked(session)
    check = partial(_application, actor=actor, owner_org_id=owner_org_id, instrument_id=instrument_id,
                    assessing_org_id=assessing_org_id)
    with read_session(session) as reader:
        request = check(reader)
    return optimistic_start.start_case(engine, session, request, check if unlocked else None)


def _application(session: Session, *, actor: Actor, owner_org_id: int, instrument_id: int,
                 assessing_org_id: int | None) -> optimistic_start.StartRequest:
    """The start of an application, checked over what ``session`` reads (see ``apply_for_verification``)."""
    instrument = session.get(Instrument, instrument_id)
    if instrument is None or instrument.owner_org_id != owner_org_id:
        raise NotFound(f"instrument {instrument_id} is not in your ledger")
    if assessing_org_id is not None and assessing_org_id not in _bureaus_over(session, instrument.county_code):
        raise ValidationFailed({"assessing_org_id": [NOT_AN_ASSESSING_DEPARTMENT]})
    subject = f"instrument:{instrument.id}"
    running = session.scalar(select(Case.number).where(
        Case.subject == subject, Case.status.in_(LIVE_CASE_STATUSES)))
    if running is not None:
        raise InvalidTransition(f"instrument {instrument.serial_no} already has a running application {running}")
    data = {
        "instrument_id": instrument.id, "county_code": instrument.county_code,
        "instrument_type": instrument.instrument_type, "category": instrument.category,
        "assessing_org_id": assessing_org_id, "instrument_name": instrument.name,
        "serial_no": instrument.serial_no,
    }
    title = f"申请检定：{instrument.name} {instrument.serial_no}"[:MAX_CASE_TITLE]  # name and number may fill it
    return optimistic_start.StartRequest(VERIFICATION_REQUEST, data, actor, title=title, subject=subject)


def _bureaus_over(session: Session, county_code: str) -> list[int]:
    """Ids of the bureaus over a county: its county bureau, that bureau's city bureau and the province.

    Notice 一.（三）1: a standard is applied for at the market supervision department (市场监管部门)
    that presided over its assessment (主持考核), and that department decides whether to entrust an
    institute (its ``delegate_id``). So the owner names a bureau, never an institute (that would let
    the owner choose who verifies), and only a bureau with jurisdiction over the place of use: another
    city's bureau cannot have assessed a standard used here.
    """
    org = session.scalars(
        select(Organisation)
        .where(Organisation.kind == OrgKind.COUNTY_BUREAU.value, Organisation.region_code == county_code)
        .order_by(Organisation.id)
        .limit(1)
    ).first()
    found: list[int] = []
    while org is not None and org.kind in _BUREAU_KINDS and org.id not in found:
        found.append(org.id)
        org = session.get(Organisation, org.parent_id) if org.parent_id is not None else None
    return found
