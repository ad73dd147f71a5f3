"""Routing and scoping over the organisation tables: who handles, verifies, supervises and sees what.

The hierarchy is data: a bureau's ``parent_id`` is the bureau one level up (county → city → province),
an institute's ``supervisor_id`` is the bureau of its own level, and a county bureau's ``delegate_id`` is
the institute it delegated filing to. Each function runs one or two small queries, so engine steps can
call them freely.
"""

from __future__ import annotations

import logging

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, aliased

from engine.store.errors import NotFound
from engine.store.models import Capability, Organisation, User
from engine.store.status import OrgKind

logger = logging.getLogger(__name__)

BUREAU_KINDS = (OrgKind.PROVINCE_BUREAU, OrgKind.CITY_BUREAU, OrgKind.COUNTY_BUREAU)

# (level, region_code) of a bureau and the bureaus above it, lowest first.
_Chain = list[tuple[str, str]]


def filing_handler(session: Session, county_code: str) -> int:
    """Id of the organisation that handles filings for a county (Notice 一.（二）).

    The county bureau's delegate if it set one (its own institute, or the city-level institute when the
    county has none), else the county bureau itself. Who handles is routing data, not code.

    :raises NotFound: no county bureau has this region code.
    """
    row = session.execute(
        select(Organisation.id, Organisation.delegate_id)
        .where(Organisation.kind == OrgKind.COUNTY_BUREAU, Organisation.region_code == county_code)
        .order_by(Organisation.id)
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(f"no county bureau for region code {county_code!r}")
    return int(row.delegate_id if row.delegate_id is not None else row.id)


def designate_institute(session: Session, county_code: str, instrument_type: str) -> int | None:
    """Id of the nearest institute authorised for the type: the county's, then the city's, then provincial.

    Territorial principle (属地检定, Notice 一.（四）1) over the capability ledger (检定能力台账):
    an institute is designated only for types it is authorised to verify. None when no level is.

    :raises NotFound: no county bureau has this region code.
    """
    county = aliased(Organisation)
    chain = _bureau_chain(
        session, county, and_(county.kind == OrgKind.COUNTY_BUREAU, county.region_code == county_code)
    )
    if not chain:
        raise NotFound(f"no county bureau for region code {county_code!r}")
    return _first_authorised(session, chain, instrument_type)


def next_institute(session: Session, institute_id: int, instrument_type: str) -> int | None:
    """Id of the nearest authorised institute above this one (county → city → province); None at the top.

    Used when the designated institute cannot take the type (Notice 一.（四）1: the next level up).

    :raises NotFound: the id is not an institute.
    """
    institute = _get_org(session, institute_id)
    if institute.kind != OrgKind.INSTITUTE:
        raise NotFound(f"organisation {institute.code!r} is not an institute")
    start = aliased(Organisation)
    if institute.supervisor_id is not None:
        where = start.id == institute.supervisor_id
    else:  # Fall back to the bureau of the institute's own place in the hierarchy.
        where = and_(start.kind.in_(BUREAU_KINDS), start.region_code == institute.region_code)
    above = _bureau_chain(session, start, where)[1:]  # the chain starts at the institute's own place
    return _first_authorised(session, above, instrument_type) if above else None


def department_verifier(session: Session, department_id: int) -> int | None:
    """Institute that verifies standards for the department that assessed them; None if there is none.

    Notice 一.（三）1: standards are applied for at the department that presided over their
    assessment, which may delegate verification to an institute. An institute given directly is
    its own verifier; a bureau answers with the institute it delegated to (``delegate_id``).
    """
    org = _get_org(session, department_id)
    if org.kind == OrgKind.INSTITUTE:
        return org.id
    return org.delegate_id


def supervising_bureau(session: Session, org_id: int) -> int:
    """Id of the bureau that receives this organisation's escalations and reports.

    An institute → its same-level bureau (Notice 一.（五）); a county bureau → the city bureau;
    a city bureau → the provincial bureau; an owner unit → its county bureau; the provincial
    bureau supervises itself.

    :raises NotFound: the organisation does not exist or has no supervisor recorded.
    """
    org = _get_org(session, org_id)
    if org.kind == OrgKind.PROVINCE_BUREAU:
        return org.id
    target = org.supervisor_id if org.kind == OrgKind.INSTITUTE else org.parent_id
    if target is None:
        raise NotFound(f"organisation {org.code!r} has no supervising bureau")
    return target


def has_regulation(session: Session, instrument_type: str) -> bool:
    """Whether a verification regulation (检定规程) exists for the type, per the capability ledger.

    Unknown types, and types where any ledger line says a regulation exists, count as True: the answer
    decides whether a calibration certificate may be issued, and a calibration certificate must never
    replace compulsory verification (Notice 一.（四）3), so doubt falls on the verification side.
    """
    flags = set(
        session.scalars(
            select(Capability.has_regulation).where(Capability.instrument_type == instrument_type).distinct()
        )
    )
    return not flags or True in flags


def visible_org_ids(session: Session, org_id: int) -> set[int]:
    """Ids of the organisation and every organisation below it (DOMAIN: a supervisor sees those below).

    One recursive query over both edges: ``parent_id`` (lower bureaus, owner units) and ``supervisor_id``
    (institutes the bureau supervises). Delegation does not widen visibility.

    :raises NotFound: the organisation does not exist.
    """
    tree = select(Organisation.id).where(Organisation.id == org_id).cte("org_tree", recursive=True)
    child = aliased(Organisation)
    tree = tree.union(
        select(child.id).join(tree, or_(child.parent_id == tree.c.id, child.supervisor_id == tree.c.id))
    )
    ids = set(session.scalars(select(tree.c.id)))
    if not ids:
        raise NotFound(f"no organisation with id {org_id}")
    return ids


def user_roles(user: User) -> set[str]:
    """The user's role codes (``Role`` values) from the comma-separated column."""
    return {role.strip() for role in user.roles.split(",") if role.strip()}


def get_user_by_username(session: Session, username: str) -> User:
    """The user with this username, active or not (the caller decides what inactive means).

    :raises NotFound: no such user.
    """
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def _get_org(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(f"no organisation with id {org_id}")
    return org


def _bureau_chain(session: Session, start: type[Organisation], where: ColumnElement[bool]) -> _Chain:
    """The starting bureau and the (at most two) bureaus above it, in one query; empty if none matches."""
    up1, up2 = aliased(Organisation), aliased(Organisation)
    row = session.execute(
        select(start.level, start.region_code, up1.level, up1.region_code, up2.level, up2.region_code)
        .select_from(start)
        .outerjoin(up1, up1.id == start.parent_id)
        .outerjoin(up2, up2.id == up1.parent_id)
        .where(where)
        .order_by(start.id)
        .limit(1)
    ).first()
    if row is None:
        return []
    pairs = [(row[i], row[i + 1]) for i in (0, 2, 4)]
    return [(level, region) for level, region in pairs if level is not None and region is not None]


def _first_authorised(session: Session, chain: _Chain, instrument_type: str) -> int | None:
    """The authorised institute at the lowest place of the chain; within a place, the lowest id."""
    places = [
        and_(Organisation.level == level, Organisation.region_code == region) for level, region in chain
    ]
    rows = session.execute(
        select(Organisation.id, Organisation.level, Organisation.region_code)
        .join(Capability, Capability.institute_id == Organisation.id)
        .where(Organisation.kind == OrgKind.INSTITUTE, Capability.instrument_type == instrument_type)
        .where(or_(*places))
        .order_by(Organisation.id)
    ).all()
    rank = {place: i for i, place in enumerate(chain)}
    best = min(rows, key=lambda r: (rank[(r.level, r.region_code)], r.id), default=None)
    if best is None:
        logger.info("No institute authorised for %s in %s", instrument_type, chain)
        return None
    return int(best.id)
