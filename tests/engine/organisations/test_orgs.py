"""Routing and scoping over the demo slice of Liaoning (engine/organisations/demo.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from engine.organisations.demo import DEMO_PASSWORD, INSTRUMENT_TYPES, load_demo_data
from engine.organisations.orgs import (
    designate_institute,
    filing_handler,
    get_user_by_username,
    has_regulation,
    next_institute,
    supervising_bureau,
    user_roles,
    visible_org_ids,
)
from engine.store.db import Base, make_db_engine, make_sessionmaker
from engine.store.errors import NotFound
from engine.store.models import Capability, Organisation, User
from engine.store.status import Role


def _new_session() -> Session:
    db = make_db_engine("sqlite://")
    Base.metadata.create_all(db)
    return make_sessionmaker(db)()


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    # Read-only tests share one loaded database; load_demo_data only flushes, which is all they need.
    with _new_session() as s:
        load_demo_data(s)
        yield s


def org(session: Session, code: str) -> int:
    return session.scalars(select(Organisation.id).where(Organisation.code == code)).one()


def test_county_with_institute_designates_its_own_institute(session: Session) -> None:
    assert designate_institute(session, "210181", "electronic_scale") == org(session, "210181-institute")


def test_county_without_institute_designates_city_institute(session: Session) -> None:
    assert designate_institute(session, "210102", "electronic_scale") == org(session, "210100-institute")


def test_type_not_authorised_at_county_falls_back_to_city(session: Session) -> None:
    assert designate_institute(session, "210181", "taximeter") == org(session, "210100-institute")


def test_type_not_authorised_at_county_or_city_falls_back_to_province(session: Session) -> None:
    assert designate_institute(session, "210181", "speed_radar") == org(session, "210000-institute")
    # 鞍山's city institute has no gas detector authorisation; 大连's has.
    assert designate_institute(session, "210381", "gas_detector") == org(session, "210000-institute")
    assert designate_institute(session, "210281", "gas_detector") == org(session, "210200-institute")


def test_type_unauthorised_everywhere_designates_none(session: Session) -> None:
    assert designate_institute(session, "210181", "tonometer") is None
    assert designate_institute(session, "210181", "no_such_type") is None


def test_unknown_county_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound, match="999999"):
        designate_institute(session, "999999", "electronic_scale")
    with pytest.raises(NotFound, match="999999"):
        filing_handler(session, "999999")


def test_next_institute_climbs_county_city_province(session: Session) -> None:
    county = org(session, "210181-institute")
    city = next_institute(session, county, "electronic_scale")
    assert city == org(session, "210100-institute")
    assert city is not None
    province = next_institute(session, city, "electronic_scale")
    assert province == org(session, "210000-institute")
    assert province is not None
    assert next_institute(session, province, "electronic_scale") is None


def test_next_institute_skips_levels_not_authorised(session: Session) -> None:
    county = org(session, "210381-institute")
    assert next_institute(session, county, "gas_detector") == org(session, "210000-institute")
    assert next_institute(session, county, "tonometer") is None


def test_next_institute_of_a_bureau_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        next_institute(session, org(session, "210100-bureau"), "electronic_scale")


def test_supervising_bureau_chain(session: Session) -> None:
    province = org(session, "210000-bureau")
    assert supervising_bureau(session, org(session, "210181-institute")) == org(session, "210181-bureau")
    assert supervising_bureau(session, org(session, "210100-institute")) == org(session, "210100-bureau")
    assert supervising_bureau(session, org(session, "210000-institute")) == province
    assert supervising_bureau(session, org(session, "210181-bureau")) == org(session, "210100-bureau")
    assert supervising_bureau(session, org(session, "210100-bureau")) == province
    assert supervising_bureau(session, province) == province
    assert supervising_bureau(session, org(session, "210181-xinmin_gas")) == org(session, "210181-bureau")
    with pytest.raises(NotFound):
        supervising_bureau(session, 10**6)


def test_filing_handler_for_the_three_kinds_of_county(session: Session) -> None:
    assert filing_handler(session, "210181") == org(session, "210181-institute")  # own institute
    assert filing_handler(session, "210102") == org(session, "210100-institute")  # city institute
    assert filing_handler(session, "210123") == org(session, "210123-bureau")  # handles itself


def test_has_regulation(session: Session) -> None:
    assert has_regulation(session, "fuel_dispenser") is True
    assert has_regulation(session, "multiparameter_monitor") is False
    # Unknown: the safe side, so no calibration certificate replaces compulsory verification.
    assert has_regulation(session, "no_such_type") is True


def test_city_bureau_sees_its_counties_but_not_another_city(session: Session) -> None:
    visible = visible_org_ids(session, org(session, "210100-bureau"))
    for code in (
        "210100-bureau",
        "210100-institute",
        "210102-bureau",
        "210181-bureau",
        "210181-institute",
        "210123-bureau",
        "210181-xinmin_gas",
    ):
        assert org(session, code) in visible, code
    for code in ("210000-bureau", "210000-institute", "210200-bureau", "210200-institute", "210281-bureau"):
        assert org(session, code) not in visible, code


def test_province_sees_everything_and_an_institute_only_itself(session: Session) -> None:
    everything = set(session.scalars(select(Organisation.id)))
    assert visible_org_ids(session, org(session, "210000-bureau")) == everything
    institute = org(session, "210100-institute")
    assert visible_org_ids(session, institute) == {institute}
    with pytest.raises(NotFound):
        visible_org_ids(session, 10**6)


def test_users_roles_and_passwords(session: Session) -> None:
    user = get_user_by_username(session, "xinmin_institute")
    assert user_roles(user) == {Role.INSTITUTE, Role.FILING_HANDLER}
    assert user.organisation_id == org(session, "210181-institute")
    assert check_password_hash(user.password_hash, DEMO_PASSWORD)
    assert not check_password_hash(user.password_hash, "wrong")
    bureau_roles = user_roles(get_user_by_username(session, "shenyang_bureau"))
    assert bureau_roles == {"bureau", "filing_handler", "manager"}
    assert user_roles(get_user_by_username(session, "xinmin_gas")) == {"owner"}
    with pytest.raises(NotFound):
        get_user_by_username(session, "nobody")


def test_user_roles_ignores_blanks() -> None:
    assert user_roles(User(roles=" owner, ,policy ,")) == {"owner", "policy"}


def test_capability_ledger_only_uses_known_types(session: Session) -> None:
    types = set(session.scalars(select(Capability.instrument_type).distinct()))
    assert types <= set(INSTRUMENT_TYPES)


def _row_counts(s: Session) -> list[int | None]:
    return [s.scalar(select(func.count()).select_from(t)) for t in (Organisation, User, Capability)]


def test_demo_load_is_idempotent() -> None:
    with _new_session() as s:
        first = load_demo_data(s)
        counts = _row_counts(s)
        second = load_demo_data(s)
        assert (first.created, second.created) == (True, False)
        assert _row_counts(s) == counts
        assert first.logins == second.logins


def test_demo_summary_lists_logins_per_role() -> None:
    with _new_session() as s:
        summary = load_demo_data(s)
    by_role = summary.by_role()
    assert set(by_role) == {str(r) for r in Role}
    assert [lg.username for lg in by_role["policy"]] == ["policy"]
    assert {lg.username for lg in by_role["owner"]} >= {"xinmin_gas", "heping_market"}
    assert summary.password == DEMO_PASSWORD
    usernames = [lg.username for lg in summary.logins]
    assert len(usernames) == len(set(usernames))


def test_an_older_demo_load_gets_the_accounts_added_since() -> None:
    with _new_session() as s:
        load_demo_data(s)
        counts = _row_counts(s)
        heads = list(s.scalars(select(User).where(User.username.like("%_institute_head"))))
        assert sorted(u.username for u in heads) == ["shenyang_institute_head", "wafangdian_institute_head"]
        for user in heads:  # as a database loaded before the institute heads existed
            s.delete(user)
        s.flush()
        again = load_demo_data(s)
        assert again.created is False and _row_counts(s) == counts
        head = s.scalars(select(User).where(User.username == "shenyang_institute_head")).one()
        assert user_roles(head) == {"institute", "manager"}
        assert s.get(Organisation, head.organisation_id).code == "210100-institute"


def test_the_printed_managers_include_each_level_and_the_institute_heads() -> None:
    with _new_session() as s:
        summary = load_demo_data(s)
    managers, more = summary.shown(4)["manager"]
    names = [lg.username for lg in managers]
    assert {"liaoning_bureau", "shenyang_bureau", "xinmin_bureau", "shenyang_institute_head",
            "wafangdian_institute_head"} <= set(names)
    assert more == len(summary.by_role()["manager"]) - len(names)
