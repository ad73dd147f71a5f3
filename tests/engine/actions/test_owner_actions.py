"""What an owner may start: the department it names for a standard must be a bureau over the place of use."""

from __future__ import annotations

import pytest

from engine.store.errors import ValidationFailed
from tests.engine.scenario import Scenario, instrument

STANDARD = instrument("BZ-1", "pressure_gauge", name="压力标准器", category="highest_standard", in_catalogue=False)


@pytest.fixture
def sc(database, clock) -> Scenario:
    clock.set("2026-09-28T09:00:00+08:00")
    return Scenario(database, clock, restart=True)


def _standard(sc: Scenario) -> int:
    return sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute", STANDARD)


@pytest.mark.parametrize("department", ["210181-bureau", "210100-bureau", "210000-bureau"])
def test_a_standard_is_applied_for_at_a_bureau_over_its_place_of_use(sc, department):
    # 新民市 (210181) lies in 沈阳市 (210100), in 辽宁省 (210000): each of their bureaus may have assessed it.
    case_id = sc.apply("xinmin_gas", _standard(sc), assessing_org_id=sc.org(department))
    assert sc.case(case_id).status in {"running", "completed"}


@pytest.mark.parametrize("department", ["210200-bureau", "210200-institute", "210181-institute", "210181-xinmin_gas"])
def test_another_citys_bureau_an_institute_or_an_owner_cannot_be_named(sc, department):
    instrument_id = _standard(sc)
    with pytest.raises(ValidationFailed) as err:
        sc.apply("xinmin_gas", instrument_id, assessing_org_id=sc.org(department))
    assert list(err.value.errors) == ["assessing_org_id"]
    assert "主持考核的市场监管部门" in err.value.errors["assessing_org_id"][0]


def test_an_organisation_that_does_not_exist_cannot_be_named(sc):
    instrument_id = _standard(sc)
    with pytest.raises(ValidationFailed) as err:
        sc.apply("xinmin_gas", instrument_id, assessing_org_id=999999)
    assert list(err.value.errors) == ["assessing_org_id"]
