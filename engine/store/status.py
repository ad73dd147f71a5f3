"""Status enums stored in the database as lower_snake strings."""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    ERROR = "error"


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
