"""Lint rules for form files: valid JSON Schema 2020-12, case facts read-only, and each form in use.

A form is used when a user task names it (``formJsonSchemaFilename``) or it starts a process
(``<process>.start.schema.json``); any other form file is a leftover that nobody would ever see.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jsonschema.exceptions import SchemaError

from ..form_fields import form_fields, start_form_name
from ..forms import check_schema
from ..rule_xml import form_references
from .problem import Problem
from .rule_set import RuleSet

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def form_problems(rule_set: RuleSet) -> list[Problem]:
    """Problems inside each form file, then a problem for each form no task or process uses."""
    problems = []
    for name, schema in rule_set.forms.items():
        problems += _schema_problems(name, schema, rule_set.sources[name])
    used = _used_forms(rule_set)
    for name, schema in rule_set.forms.items():
        if name not in used:
            problems.append(Problem(name, "", _title(schema), (
                "表单未被使用：没有用户任务引用它（formJsonSchemaFilename），"
                "它也不是流程的启动表单（<流程 id>.start.schema.json）")))
    return problems


def _schema_problems(name: str, schema: dict[str, Any], text: str) -> list[Problem]:
    title = _title(schema)
    problems = []
    if schema.get("$schema") != DRAFT_2020_12:
        problems.append(Problem(name, "", title, f"表单应声明 \"$schema\": \"{DRAFT_2020_12}\""))
    error = _schema_error(text)
    if error:
        problems.append(Problem(name, "", title, error))
    fields = {pointer: sub for pointer, sub, _ in form_fields(schema)}
    facts = schema.get("x-case-facts", [])
    for fact in facts if isinstance(facts, list) else []:
        pointer = f"/properties/{fact}"
        field = fields.get(pointer)
        if field is None:
            problems.append(Problem(name, "", title, f"案件事实（x-case-facts）「{fact}」不是表单字段"))
        elif field.get("readOnly") is not True:
            label = str(field.get("title") or fact)
            problems.append(Problem(
                name, pointer, label, f"字段「{label}」是案件事实（x-case-facts），必须设为只读（readOnly）"))
    return problems


@lru_cache(maxsize=256)
def _schema_error(text: str) -> str:
    """Why a form's text is no valid JSON Schema, or "" (cached: the metaschema check is most of a lint's time)."""
    try:
        check_schema(json.loads(text))
    except SchemaError as exc:
        pointer = "".join(f"/{part}" for part in exc.path)
        return f"表单不是有效的 JSON Schema（位置 {pointer or '/'}）：{exc.message}"
    return ""


def _used_forms(rule_set: RuleSet) -> set[str]:
    used = {start_form_name(process_id) for process_id in rule_set.process_by_id()}
    for _, process in rule_set.processes():
        used |= {form for _, form in form_references(process)}
    return used


def _title(schema: dict[str, Any]) -> str:
    return str(schema.get("title") or "")
