"""Multi-instance business rule tasks that decide every item inside ONE task.

SpiffWorkflow runs a multi-instance task as one child task per item, and every child keeps its own copy
of the case data. A filing's instrument list is part of that data, so N instruments were stored N times
over: a case's state grew with N² (issue 8: 1,600 instruments, 558 MB). Deciding one item needs no task of
its own, so this spec applies the decision table to each item against the task's data plus the item
(``inputDataItem``), collects each item's ``outputDataItem`` into ``loopDataOutputRef`` exactly where the
standard task would put it, and keeps nothing per item.

The diagram stays standard BPMN (a ``businessRuleTask`` with ``multiInstanceLoopCharacteristics``), so the
modeler and lint see no difference. Only the shape whose result is the same either way is replaced: a
loop over an input collection with input item, output collection and output item, no completion
condition and no pre- or post-script on the task. Anything else keeps SpiffWorkflow's own classes.

Per item the semantics are those of SpiffWorkflow's ``DMNEngine``: the same cell texts (``?`` cells,
``(input) == (cell)`` or ``input<operator cell>``), evaluated through the workflow's script engine (so the
sandbox and its limits apply), the first matching rule's outputs (all of them for COLLECT), dotted output
names as nested dicts. Two differences, both only about work that cannot change a result: a table that is
not COLLECT stops at its first matching rule (SpiffWorkflow evaluates the remaining rules of a FIRST table
and discards them), and each cell's text is prepared once per task instead of once per item.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowDataException, WorkflowTaskException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.dmn.specs.model import HitPolicy
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.task_spec import BusinessRuleTaskParser
from SpiffWorkflow.spiff.serializer.task_spec import SpiffMultiInstanceConverter
from SpiffWorkflow.spiff.specs.defaults import ParallelMultiInstanceTask, SequentialMultiInstanceTask
from SpiffWorkflow.spiff.specs.spiff_task import SpiffBpmnTask
from SpiffWorkflow.util.deep_merge import DeepMerge

_QUESTION = re.compile(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)')  # DMNEngine's: a "?" outside quotes
_INPUT_NAME = "dmninputexpr"
Cell = Callable[[dict[str, Any], dict[str, Any]], bool]  # (external context, per-item input cache) -> hit


class DecisionItemsTask(MultiInstanceTask, SpiffBpmnTask):  # type: ignore[misc]
    """A multi-instance decision over a collection, run as one task with no child task per item."""

    def _update_hook(self, my_task: Any) -> bool:
        super()._update_hook(my_task)
        if not self.data_input.exists(my_task):
            self.raise_data_exception("Missing data input for multiinstance task", my_task)
        for item_spec in (self.input_item, self.output_item):
            if item_spec.exists(my_task):
                raise WorkflowDataException(f"Multiinstance item {item_spec.bpmn_id} already exists.", my_task)
        self.init_data_output_with_input_data(my_task, self.data_input.get(my_task))
        return True

    def _run_hook(self, my_task: Any) -> bool:
        child = my_task.workflow.spec.task_specs[self.task_spec]
        try:
            _Decider(child.dmnEngine.decision_table, my_task).run(self)
        except SpiffWorkflowException as exc:
            exc.add_note(f"Business Rule Task '{child.bpmn_name}'.")
            raise
        except Exception as exc:
            error = WorkflowTaskException(str(exc), task=my_task, exception=exc)
            error.add_note(f"Business Rule Task '{child.bpmn_name}'.")
            raise error from exc
        return True


class _Decider:
    """One run of a decision table over the items of one task; cell texts are prepared on first use."""

    def __init__(self, table: Any, task: Any) -> None:
        self.table, self.task = table, task
        self.engine = task.workflow.script_engine
        self.collect = table.hit_policy == HitPolicy.COLLECT.value
        self._cells: dict[tuple[int, int, int], Cell] = {}

    def run(self, spec: DecisionItemsTask) -> None:
        data_input = spec.data_input.get(self.task)
        data_output = spec.data_output.get(self.task)
        in_place = isinstance(data_output, Mapping) or data_input is data_output
        items = data_input.items() if isinstance(data_input, Mapping) else (
            enumerate(data_input) if isinstance(data_input, Sequence) else ((None, v) for v in data_input))
        input_name, output_name = spec.input_item.bpmn_id, spec.output_item.bpmn_id
        for position, (key_or_index, item) in enumerate(items):
            value = copy.deepcopy(item)  # as the standard task gives each child its own copy of the item
            try:
                result = self.decide({input_name: value})
            except SpiffWorkflowException as exc:
                exc.add_note(f"Item {position + 1} ({input_name})")
                raise
            if output_name == input_name and isinstance(value, dict) and isinstance(result.get(output_name), dict):
                result[output_name] = DeepMerge.merge(value, result[output_name])
            if output_name not in result:
                if output_name != input_name:
                    spec.raise_data_exception("Expected an output item", self.task)
                result[output_name] = value
            if key_or_index is not None and in_place:
                data_output[key_or_index] = result[output_name]
            else:
                data_output.append(result[output_name])

    def decide(self, external: dict[str, Any]) -> dict[str, Any]:
        """The table's result for one item, as ``DMNEngine.result`` builds it."""
        inputs: dict[str, Any] = {}
        matched = []
        for number, rule in enumerate(self.table.rules):
            if self._matches(number, rule, external, inputs):
                matched.append(rule)
                if not self.collect:
                    break
        if not matched:
            return {}
        if not self.collect:
            return self._outputs(matched[0], external)
        result: dict[str, list[Any]] = {}
        for rule in matched:
            for key, value in self._outputs(rule, external).items():
                result.setdefault(key, []).append(value)
        return result

    def _matches(self, number: int, rule: Any, external: dict[str, Any], inputs: dict[str, Any]) -> bool:
        for column, entry in enumerate(rule.inputEntries):
            for index, lhs in enumerate(entry.lhs):
                if lhs is None:
                    continue
                try:
                    cell = self._cells.get((number, column, index))
                    if cell is None:
                        cell = self._cells[(number, column, index)] = self._prepare(entry, lhs, external)
                    if not cell(external, inputs):
                        return False
                except SpiffWorkflowException as exc:
                    exc.add_note(f"Rule failed on row {rule.row_number}")
                    raise
                except Exception as exc:
                    error = WorkflowTaskException(str(exc), task=self.task, exception=exc)
                    error.add_note(f"Failed to execute DMN Rule on row {rule.row_number}")
                    raise error from exc
        return True

    def _prepare(self, entry: Any, lhs: str, external: dict[str, Any]) -> Cell:
        """The cell as DMNEngine.evaluate would build its expression, ready to run for any item."""
        input_expr = entry.input.expression
        if not input_expr:  # DMNEngine's fallback: the value of the variable named by the input's label
            label = entry.input.label
            return lambda ext, inputs: self._evaluate(self._label_cell(ext, label, lhs), ext, inputs)
        match = _QUESTION.sub(_INPUT_NAME, lhs)
        if _INPUT_NAME in match:
            return partial(self._question_cell, input_expr, match)
        self.engine.validate(input_expr)
        return partial(self._evaluate, self._plain_expression(input_expr, lhs))

    def _label_cell(self, external: dict[str, Any], label: str, lhs: str) -> str:
        input_expr = "%r" % {**self.task.data, **external}[label]
        self.engine.validate(input_expr)
        return self._plain_expression(input_expr, lhs)

    def _plain_expression(self, input_expr: str, lhs: str) -> str:
        try:  # DMNEngine.needs_eq: a cell that parses alone is compared with ==, else it starts with an operator
            self.engine.validate(lhs)
            return f"({input_expr}) == ({lhs})"
        except SyntaxError:
            self.engine.validate(f"v {lhs}")
            return input_expr + lhs

    def _question_cell(self, input_expr: str, match: str, external: dict[str, Any], inputs: dict[str, Any]) -> bool:
        if input_expr not in inputs:  # an input column's value is computed once per item
            inputs[input_expr] = self.engine.evaluate(self.task, input_expr, external_context=external)
        scope = {**external, _INPUT_NAME: inputs[input_expr]}
        return bool(self.engine.evaluate(self.task, match, external_context=scope))

    def _evaluate(self, expression: str, external: dict[str, Any], inputs: dict[str, Any]) -> bool:
        return bool(self.engine.evaluate(self.task, expression, external_context=external))

    def _outputs(self, rule: Any, external: dict[str, Any]) -> dict[str, Any]:
        """``Rule.output_as_dict`` with the item in scope: dotted names become nested dicts."""
        out: dict[str, Any] = {}
        for entry in rule.outputEntries:
            key = entry.output.name or entry.output.label
            text = getattr(entry, "text", "")
            value = self.engine.evaluate(self.task, text, external_context=external) if text else ""
            if "." in key:
                *parents, base = reversed(key.split("."))
                for name in parents:
                    value = {name: value}
                out[base] = DeepMerge.merge(out.get(base, {}), value)
            else:
                out[key] = value
        return out


def _choose(child: Any, stock: type, wf_spec: Any, name: str, **params: Any) -> Any:
    """Our one-task spec when the loop has the shape it handles identically, else SpiffWorkflow's class."""
    fits = (params.get("cardinality") is None and params.get("condition") is None
            and all(params.get(k) is not None for k in ("data_input", "input_item", "data_output", "output_item"))
            and getattr(child, "prescript", None) is None and getattr(child, "postscript", None) is None)
    return (DecisionItemsTask if fits else stock)(wf_spec, name, **params)


class DecisionItemsParser(BusinessRuleTaskParser):  # type: ignore[misc]
    """The Spiff business rule task parser, building a multi-instance decision as ``DecisionItemsTask``."""

    def _add_multiinstance_task(self, loop_characteristics: Any) -> None:
        # The library builds the loop spec through these two class attributes while self.task is still
        # the business rule task itself: choosing per task needs that task's scripts.
        self.SEQUENTIAL_MI_CLASS = partial(_choose, self.task, SequentialMultiInstanceTask)
        self.PARALLEL_MI_CLASS = partial(_choose, self.task, ParallelMultiInstanceTask)
        super()._add_multiinstance_task(loop_characteristics)


DECISION_CONVERTERS: dict[type, type] = {DecisionItemsTask: SpiffMultiInstanceConverter}
