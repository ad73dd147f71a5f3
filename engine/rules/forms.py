"""Validation of submitted task data against the task's JSON Schema form.

Rules that are data live in the schema (policy staff edit it next to the diagram):
- ``x-error`` on a (sub)schema: the message shown beside the field when it fails;
- ``x-case-facts`` at top level: case variables merged in before validating, so ``if/then``
  can depend on them (a calibration certificate is refused where a regulation exists);
- ``x-date-max`` / ``x-date-min`` = ``"today"``: a date may not lie after / before today;
- ``x-unique-by``: list items must differ in these keys (no instrument filed twice);
- ``x-options``: the value must be a code of the named option list (``engine.catalogue``).
Text is trimmed before it is checked (a reason of only spaces is no reason) and may hold no control
character, NUL or lone surrogate (``engine.bounds``); a too-long value is told its bound (``maxLength``).
Only properties the schema declares and does not mark ``readOnly`` are accepted from users,
so a submission can never overwrite case facts such as the deadline or the organisation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import SchemaError, ValidationError

from engine.organisations.catalogue import FORM_OPTIONS
from engine.store.bounds import column_problems, json_problems
from engine.store.errors import ValidationFailed

DEFAULT_MESSAGES = {
    "required": "此项为必填项",
    "type": "格式不正确",
    "enum": "不是允许的取值",
    "const": "取值不符合规定",
    "format": "格式不正确（日期应为 YYYY-MM-DD）",
    "minLength": "内容太短",
    "maxLength": "不能超过 {limit} 个字",
    "minimum": "数值太小",
    "maximum": "数值太大",
    "pattern": "格式不正确",
    "not": "取值不符合规定",
    "minItems": "至少需要一项",
    "x-date-max": "日期不能晚于今天",
    "x-date-min": "日期不能早于今天",
    "x-unique-by": "清单中有重复的器具（出厂编号与类型相同）",
    "x-options": "不是允许的取值",
}


# Today's date for the x-date-* keywords; jsonschema validators are immutable objects.
_TODAY: ContextVar[date] = ContextVar("form_today")


def _date_bound(is_max: bool) -> Any:
    def check(validator: Any, bound: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
        if not isinstance(instance, str) or bound != "today":
            return
        try:
            value = date.fromisoformat(instance)
        except ValueError:
            return  # the "format" keyword reports malformed dates
        today = _TODAY.get()
        if (is_max and value > today) or (not is_max and value < today):
            yield ValidationError(f"{instance} is {'after' if is_max else 'before'} {today}")

    return check


def _unique_by(validator: Any, keys: list[str], instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    """Items of a list must differ in ``keys`` (e.g. the same serial number filed twice)."""
    if not isinstance(instance, list):
        return
    seen: set[tuple[str, ...]] = set()
    for item in instance:
        if isinstance(item, dict):
            key = tuple(str(item.get(k, "")) for k in keys)
            if key in seen:
                yield ValidationError(f"清单中有重复的器具：{' / '.join(key)}")
            seen.add(key)


def _options(validator: Any, name: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    """The value must be one of the named list's codes; an unknown list name is a schema error."""
    if name not in FORM_OPTIONS:
        yield ValidationError(f"unknown option list {name!r}")
    elif isinstance(instance, str) and instance not in FORM_OPTIONS[name]:
        yield ValidationError(f"{instance!r} is not in {name}")


_OPTION_KEYS = frozenset({"const", "title", "description"})
_STANDARD_ONE_OF = Draft202012Validator.VALIDATORS["oneOf"]


def _one_of(validator: Any, one_of: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    """``oneOf``; a list of text options (``{"const": "working", "title": "工作计量器具"}``, a select's choices)
    is checked by one comparison per option instead of a sub-validation per option: the same result and
    message, a third of the time of validating a 5,000-row list."""
    texts = [b["const"] for b in one_of if isinstance(b, dict) and set(b) <= _OPTION_KEYS
             and isinstance(b.get("const"), str)] if isinstance(one_of, list) else []
    if not texts or len(texts) != len(one_of):
        yield from _STANDARD_ONE_OF(validator, one_of, instance, schema)
        return
    hits = texts.count(instance) if isinstance(instance, str) else 0
    if hits == 0:
        yield ValidationError(f"{instance!r} is not valid under any of the given schemas")
    elif hits > 1:
        yield ValidationError(f"{instance!r} is valid under more than one of the given schemas")


_FormValidator = validators.extend(
    Draft202012Validator,
    {"x-date-max": _date_bound(True), "x-date-min": _date_bound(False), "x-unique-by": _unique_by,
     "x-options": _options, "oneOf": _one_of},
)


def check_schema(schema: dict[str, Any]) -> None:
    """Raise jsonschema's SchemaError if ``schema`` is not a valid JSON Schema or names an unknown list."""
    Draft202012Validator.check_schema(schema)
    for name in _option_list_names(schema):
        if name not in FORM_OPTIONS:
            raise SchemaError(f"x-options names an unknown option list {name!r} (known: {', '.join(FORM_OPTIONS)})")


def _option_list_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("x-options"), str):
            yield node["x-options"]
        for value in node.values():
            yield from _option_list_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _option_list_names(value)


def accepted_fields(schema: dict[str, Any]) -> set[str]:
    """Names a user may submit: declared properties that are not readOnly."""
    props = schema.get("properties", {})
    return {name for name, sub in props.items() if not sub.get("readOnly", False)}


def validate_submission(
    schema: dict[str, Any], submitted: dict[str, Any], case_data: dict[str, Any], today: date
) -> dict[str, Any]:
    """The accepted part of ``submitted``, or ValidationFailed with messages per field."""
    allowed = accepted_fields(schema)
    errors: dict[str, list[str]] = {}
    for name in sorted(set(submitted) - allowed):
        errors.setdefault(name, []).append("不允许提交此字段")
    accepted = {k: _trimmed(v) for k, v in submitted.items() if k in allowed}
    unfit = list(json_problems(accepted, strict=True))
    if unfit:  # text no column can keep is not handed to the schema's checks
        for field, message in unfit:
            errors.setdefault(field, []).append(message)
        raise ValidationFailed(errors)
    merged = {k: case_data[k] for k in schema.get("x-case-facts", []) if k in case_data}
    merged.update(accepted)
    for field, message in column_problems(accepted):
        errors.setdefault(field, []).append(message)
    validator = _FormValidator(schema, format_checker=FormatChecker())
    token = _TODAY.set(today)
    try:
        for error in validator.iter_errors(merged):
            field, message = _describe(error, schema)
            if message not in errors.get(field, []):
                errors.setdefault(field, []).append(message)
    finally:
        _TODAY.reset(token)
    if errors:
        raise ValidationFailed(errors)
    return accepted


def _trimmed(value: Any) -> Any:
    """``value`` with the text in it trimmed of surrounding white space."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [_trimmed(item) for item in value]
    if isinstance(value, dict):
        return {key: _trimmed(item) for key, item in value.items()}
    return value


def _describe(error: ValidationError, schema: dict[str, Any]) -> tuple[str, str]:
    """(field path, message): the failing (sub)schema's x-error, else the field's, else a default."""
    path = [str(p) for p in error.absolute_path]
    sub = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        path.append(missing)
        sub = _resolve(sub.get("properties", {}).get(missing, {}), schema)
    field = ".".join(path) or "_form"
    if error.validator == "x-unique-by":
        return field, error.message  # names the duplicate, which a fixed x-error cannot
    if error.validator == "maxLength":
        return field, DEFAULT_MESSAGES["maxLength"].format(limit=error.validator_value)  # the bound, not x-error
    top = schema.get("properties", {}).get(path[0], {}) if len(path) == 1 else {}
    message = sub.get("x-error") or top.get("x-error") or DEFAULT_MESSAGES.get(str(error.validator))
    return field, message or "取值无效"


def _resolve(sub: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``#/$defs/...`` reference so its x-error is found."""
    ref = sub.get("$ref", "")
    if not ref.startswith("#/"):
        return sub
    node: Any = schema
    for part in ref[2:].split("/"):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}
