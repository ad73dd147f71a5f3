"""The edge every request passes: ids in URLs, characters in the path, query and form, and JSON bodies.

What no database column can keep (NUL, a lone surrogate) and ids past the integer columns are refused here,
before any view reads them, so no later step can fail on them (400 for the URL and form, 422 with field
paths for a JSON body; JSON under /api, a Chinese error page elsewhere). JSON is parsed with a depth and
number guard (``engine.loads_json``): a body nested 2,000 deep is a 400, never a RecursionError.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map

from engine import MAX_ID, MAX_JSON_DEPTH, JSONTooDeep, ValidationFailed, json_problems, loads_json, unstorable

BAD_CHARACTER = "请求的地址、查询参数或表单中含有不允许的字符（如 NUL 或不成对的代理项）"
TOO_DEEP = f"JSON 嵌套层数超过 {MAX_JSON_DEPTH} 层"


class IdConverter(IntegerConverter):
    """``<id:case_id>``: a row id from 1 to the integer columns' maximum; anything else matches no route (404)."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, whose ``loads`` refuses deep nesting and NaN/Infinity (ValueError → 400)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return loads_json(s)
        except JSONTooDeep as exc:
            raise BadRequest(TOO_DEEP) from exc  # not a ValueError: get_json(silent=True) cannot hide it


def form_id(text: str) -> int:
    """A posted id as an int (``request.form.get(..., type=form_id)``); ValueError outside 1..MAX_ID."""
    value = int(text)
    if not 1 <= value <= MAX_ID:
        raise ValueError(f"{value} is not a row id")
    return value


def init_app(app: Flask) -> None:
    """Install the JSON provider, the ``id`` URL converter and the request guard."""
    app.json_provider_class = GuardedJSONProvider
    app.json = GuardedJSONProvider(app)
    app.url_map.converters["id"] = IdConverter
    app.before_request(guard_request)


def guard_request() -> None:
    """Refuse a request whose path, query, Basic credentials, form or JSON body holds text no column can keep."""
    texts = [request.path, *_pairs(request.args)]
    if request.authorization is not None:  # Basic credentials are looked up by user name
        texts.extend(str(request.authorization.get(key) or "") for key in ("username", "password"))
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.mimetype in _FORM_TYPES:
        texts.extend(_pairs(request.form))
    if any(unstorable(text) for text in texts):
        raise BadRequest(BAD_CHARACTER)
    if request.is_json:
        body = request.get_json(silent=True)  # parsed once, cached for the view; unparseable bodies the view reports
        problems = dict(_grouped(json_problems(body))) if body is not None else {}
        if problems:
            raise ValidationFailed(problems)


_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _pairs(values: MultiDict[str, str]) -> list[str]:
    return [text for key, value in values.items(multi=True) for text in (key, value)]


def _grouped(found: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path, message in found:
        out.setdefault(path, []).append(message)
    return out

