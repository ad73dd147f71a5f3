"""The variables a process's expressions may read: what its scripts, forms, decisions and loops write.

A name is known in a process when a script of the process assigns it, a form of the process has it as a
field, a decision the process calls outputs it, the process declares it as a data input or a
multi-instance item, or the engine puts it into every case (the case facts). A called process also
knows whatever any process of the set knows, since a caller hands it all its data; a caller knows what
its called processes know, since their data comes back.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from engine.rules.form_fields import start_form_name
from engine.rules.rule_xml import BPMN_NS, NS, form_references, local_name, spiff_properties, spiff_text
from engine.sandbox import BUILTINS
from engine.sandbox.script_env import diagram_functions

from .expression_rules import process_scripts
from .python_text import parse_python
from .rule_set import RuleSet

# Put into every case's start data by Engine.start_case, beside the start form's fields.
CASE_FACTS = frozenset({"case_number", "owner_org_id"})
# Subschemas whose properties are fields at the same level as the form's own properties.
_SAME_LEVEL = ("allOf", "anyOf", "oneOf", "if", "then", "else", "dependentSchemas")


def always_known() -> frozenset[str]:
    """Names every expression may read: diagram functions, the sandbox's builtins and the case facts."""
    return frozenset(diagram_functions()) | frozenset(BUILTINS) | CASE_FACTS


def known_names(rule_set: RuleSet) -> dict[str, set[str] | None]:
    """For each process id, the variables its expressions may read (besides ``always_known``).

    None when that cannot be told: a script does not parse, or a form or decision the process uses is
    missing. That is reported elsewhere, and reporting every name it would define as unknown only hides it.
    """
    by_id = rule_set.process_by_id()
    own = {process_id: _own_names(rule_set, process_id, process) for process_id, (_, process) in by_id.items()}
    calls = {process_id: {str(c.get("calledElement")) for c in process.iter(f"{{{BPMN_NS}}}callActivity")}
             for process_id, (_, process) in by_id.items()}
    called = set().union(*calls.values())
    known: dict[str, set[str] | None] = {}
    for process_id in by_id:
        parts = list(own.values()) if process_id in called else [own[process_id]]
        parts += [own.get(callee, set()) for callee in calls[process_id]]
        complete = [names for names in parts if names is not None]
        known[process_id] = set().union(*complete) if len(complete) == len(parts) else None
    return known


def stored_names(tree: ast.AST) -> set[str]:
    """Names ``tree`` assigns: targets (also of loops, comprehensions, ``with``), arguments, functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            found.add(node.id)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.add(node.name)
        elif isinstance(node, ast.alias):
            found.add((node.asname or node.name).split(".")[0])
    return found


def _own_names(rule_set: RuleSet, process_id: str, process: Any) -> set[str] | None:
    names: set[str] = set()
    for _, script in process_scripts(process):
        tree = parse_python(script, "exec")
        if isinstance(tree, str):
            return None
        names |= stored_names(tree)
    forms = [form for _, form in form_references(process)]
    if any(form not in rule_set.forms for form in forms) or any(
            "formJsonSchemaFilename" not in spiff_properties(task) for task in process.iter(f"{{{BPMN_NS}}}userTask")):
        return None
    for form in [start_form_name(process_id), *forms]:
        names |= _field_names(rule_set.forms.get(form, {}))
    decisions = {spiff_text(task, "calledDecisionId") for task in process.iter(f"{{{BPMN_NS}}}businessRuleTask")}
    if not decisions <= rule_set.decision_ids():
        return None
    names |= _decision_outputs(rule_set, decisions)
    names |= set(_declared(process))
    return names


def _field_names(schema: Any) -> set[str]:
    """The form's top-level field names, also those declared in its conditional parts (if/then, allOf...)."""
    names: set[str] = set()
    stack = [schema]
    while stack:
        part = stack.pop()
        if not isinstance(part, dict):
            continue
        properties = part.get("properties")
        if isinstance(properties, dict):
            names |= {str(name) for name in properties}
        for keyword in _SAME_LEVEL:
            value = part.get(keyword)
            stack += value if isinstance(value, list) else list(value.values()) if keyword == "dependentSchemas" \
                and isinstance(value, dict) else [value]
    return names


def _decision_outputs(rule_set: RuleSet, decisions: set[str]) -> set[str]:
    names = set()
    for dmn in rule_set.decision_files.values():
        for decision in dmn.root:
            if decision.get("id") in decisions:
                # "scope_result.compulsory" sets the key compulsory of the variable scope_result.
                names |= {str(o.get("name")).split(".")[0] for o in decision.iter() if _is_output(o) and o.get("name")}
    return names


def _is_output(element: Any) -> bool:
    return local_name(element) == "output"


def _declared(process: Any) -> Iterator[str]:
    """Data inputs, outputs and objects, and the collections and items of multi-instance loops."""
    # A data input's name is a label (上报原因代码); SpiffWorkflow reads the variable named by its id.
    for tag in ("dataInput", "dataOutput", "dataObject", "inputDataItem", "outputDataItem"):
        for element in process.iter(f"{{{BPMN_NS}}}{tag}"):
            yield str(element.get("id"))
    refs = ".//bpmn:loopDataInputRef | .//bpmn:loopDataOutputRef | .//bpmn:loopCardinality"
    for ref in process.xpath(refs, namespaces=NS):
        text = (ref.text or "").strip()
        if text.isidentifier():
            yield text
