"""Timer events that read the engine's injected clock instead of the wall clock.

SpiffWorkflow's timer definitions call ``datetime.now()`` themselves, so a case could only
be tested against real time. These subclasses ask the workflow's script engine for ``now()``
(our sandbox carries the injected clock) and fall back to UTC now for any other engine.
They are installed by ``ClockedParser`` (and so by ``QiangjianParser``, which also builds multi-instance
decisions as one task, see ``decision_items``) and serialized under their own type names.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask

from .decision_items import DecisionItemsParser


def _now(my_task: Any) -> datetime:
    engine = my_task.workflow.script_engine
    now = getattr(engine, "now", None)
    return now() if callable(now) else datetime.now(timezone.utc)


class ClockedTimeDate(TimeDateEventDefinition):  # type: ignore[misc]
    """A timeDate timer (our deadlines) compared against the injected clock."""

    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            # Validate once, when armed, so a bad expression fails at the step that armed it.
            TimerEventDefinition.parse_time_or_duration(event_value)
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.parse_time_or_duration(event_value) < _now(my_task):
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockedDuration(DurationTimerEventDefinition):  # type: ignore[misc]
    """A duration timer armed and compared against the injected clock (tests and tiny diagrams)."""

    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            parsed = TimerEventDefinition.parse_iso_duration(expression)
            now = _now(my_task)
            event_value = (now + TimerEventDefinition.get_timedelta_from_start(parsed, now)).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) < _now(my_task):
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


_CLOCKED: dict[type, type] = {TimeDateEventDefinition: ClockedTimeDate, DurationTimerEventDefinition: ClockedDuration}


class _ClockedTimerParsing:
    def parse_timer_event(self, event: Any) -> Any:
        definition = super().parse_timer_event(event)  # type: ignore[misc]
        clocked = _CLOCKED.get(type(definition))
        if clocked is None:
            return definition
        return clocked(definition.name, definition.expression, description=definition.description)


class _StartEventParser(_ClockedTimerParsing, SpiffStartEventParser):  # type: ignore[misc]
    pass


class _BoundaryEventParser(_ClockedTimerParsing, SpiffBoundaryEventParser):  # type: ignore[misc]
    pass


class _IntermediateCatchEventParser(_ClockedTimerParsing, SpiffIntermediateCatchEventParser):  # type: ignore[misc]
    pass


class ClockedParser(SpiffBpmnParser):  # type: ignore[misc]
    """SpiffBpmnParser whose timer events use the injected clock (benchmarks run raw SpiffWorkflow with it)."""

    OVERRIDE_PARSER_CLASSES = dict(SpiffBpmnParser.OVERRIDE_PARSER_CLASSES)
    for _tag, _parser in (
        ("startEvent", _StartEventParser),
        ("boundaryEvent", _BoundaryEventParser),
        ("intermediateCatchEvent", _IntermediateCatchEventParser),
    ):
        OVERRIDE_PARSER_CLASSES[full_tag(_tag)] = (_parser, OVERRIDE_PARSER_CLASSES[full_tag(_tag)][1])


class QiangjianParser(ClockedParser):
    """The engine's parser: clocked timers, and multi-instance decisions run as one task (linear state)."""

    OVERRIDE_PARSER_CLASSES = {
        **ClockedParser.OVERRIDE_PARSER_CLASSES,
        full_tag("businessRuleTask"): (DecisionItemsParser, BusinessRuleTask),
    }


TIMER_CONVERTERS: dict[type, type] = {
    ClockedTimeDate: TimerConditionalEventDefinitionConverter,
    ClockedDuration: TimerConditionalEventDefinitionConverter,
}
