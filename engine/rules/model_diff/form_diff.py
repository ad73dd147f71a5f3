"""Differences between two versions of a JSON Schema form, field by field (fields by JSON pointer)."""

from __future__ import annotations

import json
from typing import Any

from engine.rules.form_fields import form_fields

from .change import Change, Facts, compare

KEYWORD_LABELS = {
    "title": "标题", "type": "类型", "description": "说明", "enum": "可选值", "oneOf": "选项", "const": "固定值",
    "format": "格式", "pattern": "格式规则", "readOnly": "只读", "default": "默认值", "minimum": "最小值",
    "maximum": "最大值", "minLength": "最短长度", "maxLength": "最长长度", "minItems": "最少项数", "$ref": "引用",
    "x-error": "错误提示", "x-options": "选项列表", "x-date-max": "最晚日期", "x-date-min": "最早日期",
    "x-case-facts": "案件事实", "x-unique-by": "不得重复的项", "x-draft": "预填流程起草的内容", "x-rows": "文本框行数",
    "x-widget": "输入方式",
}
# Keywords that hold other fields (compared as fields of their own) or that 必填 shows per field.
_NESTED = frozenset({"properties", "items", "$defs", "required"})


def diff_form(file: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Form-level settings and fields added, removed and changed between two versions of a form."""
    old_fields, new_fields = _fields(old), _fields(new)
    changes = []
    for pointer in [*new_fields, *(p for p in old_fields if p not in new_fields)]:
        schema, _ = new_fields.get(pointer) or old_fields[pointer]
        change = compare(file, "表单字段" if pointer else "表单", pointer, _name(pointer, schema),
                         _facts(*old_fields[pointer]) if pointer in old_fields else None,
                         _facts(*new_fields[pointer]) if pointer in new_fields else None)
        if change is not None:
            changes.append(change)
    return changes


def _fields(schema: dict[str, Any]) -> dict[str, tuple[dict[str, Any], bool | None]]:
    """(subschema, required) by pointer; the form itself is pointer "" and is neither required nor not."""
    fields: dict[str, tuple[dict[str, Any], bool | None]] = {"": (schema, None)}
    for pointer, sub, required in form_fields(schema):
        fields[pointer] = (sub, required if pointer.split("/")[-2] == "properties" else None)
    return fields


def _name(pointer: str, schema: dict[str, Any]) -> str:
    return str(schema.get("title") or pointer.rsplit("/", 1)[-1] or "")


def _facts(schema: dict[str, Any], required: bool | None) -> Facts:
    facts: dict[str, str] = {"名称": f"「{schema['title']}」" if schema.get("title") else ""}
    if required is not None:
        facts["必填"] = "是" if required else "否"
    for keyword, value in schema.items():
        if keyword not in _NESTED and keyword != "title":
            facts[KEYWORD_LABELS.get(keyword, keyword)] = _shown(keyword, value)
    return facts


def _shown(keyword: str, value: Any) -> str:
    if keyword == "oneOf" and isinstance(value, list) and all(isinstance(v, dict) and "const" in v for v in value):
        return "、".join(f"{_json(v['const'])}（{v.get('title', '')}）" for v in value)
    if keyword == "readOnly":
        return "是" if value else "否"
    return value if isinstance(value, str) else _json(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
