"""SpiffWorkflow serialization with the process spec stored once per version, not per case.

A case row holds only the workflow state; the spec (and the specs of called processes)
is serialized once into ``spec_version.spec_json`` and handed back in when a case loads.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .decision_items import DECISION_CONVERTERS
from .timer_events import TIMER_CONVERTERS

SpecBundle = tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]


class _StateOnlyWorkflowConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """Converts a workflow without its specs; the specs are passed to ``from_dict``."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], specs: SpecBundle | None = None) -> BpmnWorkflow:
        if specs is None:
            raise ValueError("a case state needs its spec version to load")
        spec, subprocess_specs = specs
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config.update(TIMER_CONVERTERS)
    config.update(DECISION_CONVERTERS)
    config[BpmnWorkflow] = _StateOnlyWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    # Forms submit ISO strings, but scripts may still produce dates or Decimals.
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]))
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    return BpmnWorkflowSerializer(registry)


class StateSerializer:
    """Turns workflows into state JSON and specs into spec JSON, and back."""

    def __init__(self) -> None:
        self._serializer = _make_serializer()
        self._registry = self._serializer.registry

    @property
    def registry(self) -> Any:
        """SpiffWorkflow's converter registry (``diff_workflow`` compares specs through it)."""
        return self._registry

    def dump_state(self, workflow: BpmnWorkflow) -> str:
        """JSON of the workflow's state, without its specs."""
        self._registry._encoder_mode = True
        try:
            dct = self._registry.convert(workflow)
            dct[self._serializer.VERSION_KEY] = self._serializer.VERSION
            return json.dumps(dct, cls=self._serializer._encoder_cls, separators=(",", ":"))
        finally:
            self._registry._encoder_mode = False

    def load_state(self, state: str, specs: SpecBundle) -> BpmnWorkflow:
        """Workflow rebuilt from state JSON over the given (shared, cached) specs."""
        dct = json.loads(state)
        self._serializer.migrate(dct)
        return self._registry.restore(dct, specs=specs)

    def dump_specs(self, specs: SpecBundle) -> str:
        """JSON of a process spec and the specs of the processes it calls."""
        spec, subprocess_specs = specs
        dct = {
            "spec": self._registry.convert(spec),
            "subprocess_specs": {k: self._registry.convert(v) for k, v in subprocess_specs.items()},
        }
        return json.dumps(dct, separators=(",", ":"))

    def load_specs(self, spec_json: str) -> SpecBundle:
        """Specs rebuilt from ``dump_specs`` output."""
        dct = json.loads(spec_json)
        subprocess_specs = {k: self._registry.restore(v) for k, v in dct["subprocess_specs"].items()}
        return self._registry.restore(dct["spec"]), subprocess_specs
