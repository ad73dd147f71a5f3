"""The field types every marshmallow schema of the app uses: messages in Chinese, unknown fields refused.

Shared by the API's schemas and the inbox page's query (one wording of "此项为必填项" everywhere), with
``field_errors`` turning marshmallow's nested messages into the dotted paths the engine reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, fields, validate

Messages = dict[str, str | list[Any] | dict[Any, Any]]


class _Chinese:
    """Mixin: the messages every field shares, in Chinese (field classes add their own below)."""

    default_error_messages: Messages = {"required": "此项为必填项", "null": "不能为空", "validator_failed": "取值无效"}


class Str(_Chinese, fields.String):
    default_error_messages = {"invalid": "必须是字符串", "invalid_utf8": "不是有效的 UTF-8 文本"}


class Int(_Chinese, fields.Integer):
    default_error_messages = {"invalid": "必须是整数", "too_large": "数值太大"}


class Bool(_Chinese, fields.Boolean):
    default_error_messages = {"invalid": "必须是 true 或 false"}


class StrictBool(Bool):
    """Only JSON true or false: marshmallow's Boolean takes 0 and 1 too (0 == False in Python)."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Dict(_Chinese, fields.Dict):
    default_error_messages = {"invalid": "必须是 JSON 对象"}


class List(_Chinese, fields.List[Any]):
    default_error_messages = {"invalid": "必须是列表"}


class Nested(_Chinese, fields.Nested):
    default_error_messages = {"type": "必须是 JSON 对象"}


class DateTime(_Chinese, fields.DateTime):
    default_error_messages = {"invalid": "必须是 ISO 8601 日期时间"}


class Base(Schema):
    """Unknown fields are refused, with Chinese schema-level messages."""

    error_messages = {"unknown": "不允许的字段", "type": "必须是 JSON 对象"}

    class Meta:
        unknown = RAISE


def choice(allowed: tuple[str, ...]) -> validate.OneOf:
    """One of ``allowed``; the message starts 取值无效 like the engine's (the inbox page words it for people)."""
    return validate.OneOf(allowed, error=f"取值无效，应为：{'、'.join(allowed)}")



def field_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as the engine reports them: dotted path → messages."""
    if isinstance(messages, list):
        return {prefix or "_form": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in dict(messages).items():
        path = prefix if key == "_schema" else f"{prefix}.{key}" if prefix else str(key)
        for name, texts in field_errors(value, path).items():
            flat.setdefault(name, []).extend(texts)
    return flat
