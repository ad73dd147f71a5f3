"""Lint rules for form files: valid JSON Schema 2020-12, case facts read-only, no length past its column.

A form no task uses is not a problem: replacing a form by a new file leaves the old one unused, and
files cannot be deleted, so refusing unused forms would make a form impossible to replace.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jsonschema.exceptions import SchemaError

from engine.rules.form_fields import form_fields
from engine.rules.forms import check_schema
from engine.store.bounds import field_length

from .problem import Problem
from .rule_set import RuleSet

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def form_problems(rule_set: RuleSet) -> list[Problem]:
    """Problems inside each form file."""
    problems = []
    for name, schema in rule_set.forms.items():
        problems += _schema_problems(name, schema, rule_set.sources[name])
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
    return problems + _length_problems(name, fields)


def _length_problems(name: str, fields: dict[str, dict[str, Any]]) -> list[Problem]:
    """A maxLength above the column the field is stored in promises what the database cannot keep."""
    problems = []
    for pointer, sub in fields.items():
        limit = field_length(pointer.rsplit("/", 1)[-1]) if "/properties/" in pointer else None
        declared = sub.get("maxLength")
        if limit is not None and isinstance(declared, int) and not isinstance(declared, bool) and declared > limit:
            label = str(sub.get("title") or pointer.rsplit("/", 1)[-1])
            problems.append(Problem(name, pointer, label, f"字段「{label}」的最大长度（maxLength {declared}）"
                                                          f"超过了数据库中能保存的 {limit} 个字"))
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


def _title(schema: dict[str, Any]) -> str:
    return str(schema.get("title") or "")
