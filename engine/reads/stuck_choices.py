"""What the managers' stuck-cases filter bar offers: places and institutes in the manager's scope, the
deployed processes and their user tasks (moved out of stuck_cases so that module keeps to one job)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.store.models import Organisation, SpecVersion
from engine.store.status import OrgKind

from .source import CaseSource
from .stuck_cases import StuckScope


@dataclass(frozen=True)
class StuckChoices:
    """What the filter bar offers, as (value, label) pairs: places and institutes in scope, processes, steps."""

    cities: Sequence[tuple[str, str]]
    counties: Sequence[tuple[str, str]]
    institutes: Sequence[tuple[int, str]]
    processes: Sequence[tuple[str, str]]
    steps: Sequence[tuple[str, str]]


def stuck_choices(session: Session, source: CaseSource, scope: StuckScope) -> StuckChoices:
    """The filter choices: organisations from the table (in scope), processes and user tasks from the
    deployed specs (cached), not from the task table."""
    query = select(Organisation).where(Organisation.kind.in_(_PLACES)).order_by(Organisation.region_code,
                                                                              Organisation.id)
    if scope.org_ids is not None:
        query = query.where(Organisation.id.in_(sorted(scope.org_ids)))
    orgs = session.scalars(query).all()
    by_kind = {kind: [o for o in orgs if o.kind == kind] for kind in _PLACES}
    current = session.scalars(select(SpecVersion.id).where(SpecVersion.is_current).order_by(SpecVersion.id)).all()
    versions = [source.registry.get(session, version_id) for version_id in current]
    called = {name for v in versions for name in v.subprocess_specs}
    processes = [(v.process_id, v.spec.description or v.process_id) for v in versions if v.process_id not in called]
    steps: dict[str, str] = {}
    for version in versions:
        for spec in (version.spec, *version.subprocess_specs.values()):
            for task in spec.task_specs.values():
                if getattr(task, "manual", False):
                    steps.setdefault(task.bpmn_id or task.name, task.bpmn_name or task.name)
    return StuckChoices(
        [(o.region_code, o.name) for o in by_kind[OrgKind.CITY_BUREAU.value]],
        [(o.region_code, o.name) for o in by_kind[OrgKind.COUNTY_BUREAU.value]],
        [(o.id, o.name) for o in by_kind[OrgKind.INSTITUTE.value]], processes, list(steps.items()))


_PLACES = (OrgKind.CITY_BUREAU.value, OrgKind.COUNTY_BUREAU.value, OrgKind.INSTITUTE.value)
