"""Status enums stored in the database as lower_snake strings."""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    ERROR = "error"
    SUSPENDED = "suspended"  # a manager paused the work; its legal deadline still runs (case_control)
    TERMINATED = "terminated"  # a manager ended it; its tasks were cancelled, its timers disarmed


# Cases whose deadlines still run: a suspended case's timers keep firing and escalating (DOMAIN: suspension
# does not stop the 7-working-day clock; only an extension the owner agreed moves it).
LIVE_CASE_STATUSES = (CaseStatus.RUNNING.value, CaseStatus.SUSPENDED.value)


class TaskStatus(StrEnum):
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class OrgKind(StrEnum):
    PROVINCE_BUREAU = "province_bureau"
    CITY_BUREAU = "city_bureau"
    COUNTY_BUREAU = "county_bureau"
    INSTITUTE = "institute"
    OWNER = "owner"


class Level(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class Role(StrEnum):
    """Roles; BPMN lane names are these values."""

    OWNER = "owner"
    INSTITUTE = "institute"
    BUREAU = "bureau"
    # Lane of the filing review (Notice 一.（二）): the county bureau or the institute it delegated to.
    FILING_HANDLER = "filing_handler"
    POLICY = "policy"
    MANAGER = "manager"
    ADMIN = "admin"


class DayKind(StrEnum):
    HOLIDAY = "holiday"
    WORKDAY = "workday"


class YearStatus(StrEnum):
    CONFIRMED = "confirmed"
    PROVISIONAL = "provisional"


class InstrumentStatus(StrEnum):
    IN_USE = "in_use"
    OUT_OF_USE = "out_of_use"
