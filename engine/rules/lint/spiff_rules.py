"""Lint rules that ask SpiffWorkflow: the BPMN 2.0 / DMN XSDs (with spiffworkflow extensions), then a full parse.

``engine.specs.parse_sources`` parses without the XSD validator, so the schemas are checked here, every
error at once and pointed at the element on the error's line. The parse itself stops at its first
error; that one is mapped to the element SpiffWorkflow names.
"""

from __future__ import annotations

import bisect
import copy
import logging
import re
import threading
from functools import lru_cache
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from engine.rules.rule_xml import NS
from engine.rules.specs import parse_sources
from engine.store.errors import DiagramInvalid

from .problem import Problem
from .rule_set import RuleSet, XmlFile
from .translations import spiff_message, xsd_message

logger = logging.getLogger(__name__)

# An XMLSchema keeps its error log on itself: validations from concurrent saves must not interleave.
_SCHEMA_LOCK = threading.Lock()
_NAMESPACE = re.compile(r"\{[^}]*\}")


def schema_problems(rule_set: RuleSet) -> list[Problem]:
    """A problem for each XSD error in the diagrams and decision tables."""
    problems = []
    for diagram in rule_set.diagrams.values():
        problems += _validate(diagram, VALIDATOR.validator, "BPMN 2.0", _bpmn_tree(diagram.root))
    for dmn in rule_set.decision_files.values():
        schema = _dmn_schema(etree.QName(dmn.root).namespace or "")
        if schema is not None:
            problems += _validate(dmn, schema, "DMN", dmn.root)
    return problems


def parse_problems(rule_set: RuleSet) -> list[Problem]:
    """The problem SpiffWorkflow stops at when parsing the whole set, if any."""
    try:
        parse_sources(dict(rule_set.sources))
    except DiagramInvalid as exc:
        file = str(exc).split(": ", 1)[0]
        found = exc.problems or [("", str(exc))]
        if "missing files" in str(exc):  # engine.specs lists the files in the message, not in the problem
            found = [(element_id, str(exc).split(": ", 1)[-1]) for element_id, _ in found]
        return [_locate(rule_set, file, element_id, message) for element_id, message in found]
    except Exception as exc:  # a parser crash on a policy edit must be a problem, not a server error
        logger.warning("SpiffWorkflow failed on a rule set", exc_info=True)
        return [Problem("", "", "", f"SpiffWorkflow 解析失败：{type(exc).__name__}: {exc}")]
    return []


def _bpmn_tree(root: Any) -> Any:
    # SpiffWorkflow's validator renames bpmn-js's correlation expressions before validating; do it on a copy.
    if root.xpath(".//bpmn:correlationPropertyRetrievalExpression/bpmn:formalExpression", namespaces=NS):
        root = copy.deepcopy(root)
        VALIDATOR.preprocess(root)
    return root


@lru_cache(maxsize=None)
def _dmn_schema(namespace: str) -> Any:
    path = DMN_SCHEMAS.get(namespace)
    return BpmnValidator(path).validator if path else None


def _validate(xml: XmlFile, schema: Any, standard: str, root: Any) -> list[Problem]:
    with _SCHEMA_LOCK:
        valid = schema.validate(root)
        errors = [] if valid else [(e.line, e.message) for e in schema.error_log]
    # The error's element is the last element with an id that starts on or before the error's line.
    with_id = [el for el in xml.root.iter() if el.get("id")]
    starts = [el.sourceline or 0 for el in with_id]
    problems = []
    for line, message in errors:
        at = bisect.bisect_right(starts, line) - 1
        text = f"不符合 {standard} 规范（第{line}行）：{xsd_message(_short(message))}"
        problems.append(xml.problem(with_id[at], text) if at >= 0 else Problem(xml.name, "", "", text))
    return problems


def _short(message: str) -> str:
    return _NAMESPACE.sub("", message)  # "{http://www.omg.org/...}userTask" -> "userTask"


def _locate(rule_set: RuleSet, file: str, element_id: str, message: str) -> Problem:
    text = f"SpiffWorkflow 无法解析：{spiff_message(message)}"
    candidates = [rule_set.diagrams.get(file) or rule_set.decision_files.get(file)]
    candidates += [*rule_set.diagrams.values(), *rule_set.decision_files.values()]
    for xml in candidates:
        if xml is not None and element_id and element_id in xml.order:
            element = next(el for el in xml.root.iter() if el.get("id") == element_id)
            return xml.problem(element, text)
    return Problem(file if file in rule_set.sources else "", element_id, "", text)
