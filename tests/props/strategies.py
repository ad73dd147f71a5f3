"""Hypothesis strategies for what an attacker or a careless user sends: NUL, lone surrogates, integers past what a
database column holds, negatives, very long strings, deep JSON and odd Unicode — mixed with ordinary values so
a request also gets past the first check.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

# Integers around the limits of 32- and 64-bit columns, and past them.
EDGE_INTS = (0, -1, 2**31 - 1, 2**31, 2**32, 11926491981, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**30)
huge_ints = st.one_of(st.sampled_from(EDGE_INTS), st.integers(2**31, 2**63 + 2**10), st.integers(max_value=-1))

ODD = ("\x00", "a\x00b", "\ud800", "x\udfffy", "\ufeff", "\u202e", "\u200b", "𠀀", "²", "١٢٣", "Ⅻ", " ", "\t\n",
       "%00", "' OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd", "{{7*7}}", "NaN", "-0", "1e999",
       "null", "true", "0x10", "9" * 40)
# Lengths just past the database columns (64, 100, 200 characters) and far past them, in ASCII, CJK and NUL.
LONG = tuple(c * n for n in (65, 101, 201, 70_000) for c in ("x", "名")) + ("\x00" * 300, "x" * 140_000)
# Any code point, lone surrogates (category Cs) included; hypothesis's st.text() leaves those out by default.
any_char = st.characters(exclude_categories=())
# What broke a later step or a database before (issue 8): weighted up, so a short run meets each of them.
DANGEROUS = ("\x00", "a\x00b", "\ud800", "x\udfffy", "x" * 65, "名" * 101, "x" * 201, "x" * 140_000, "2147483648",
             "9223372036854775808")
dangerous_text = st.sampled_from(DANGEROUS)
odd_text = st.one_of(
    dangerous_text,
    st.sampled_from(ODD + LONG),
    st.text(any_char, max_size=30),
    st.text(st.sampled_from("\x00\ud800\udc00\ufffe\uffff\u0085\u2028'\"%\\<>&;,\r\n"), min_size=1, max_size=8),
    st.builds(lambda n, c: c * n, st.integers(1, 300), st.sampled_from(["x", "名", "\x00", "\ud800"])),
    huge_ints.map(str),
)

json_scalars = st.one_of(st.none(), st.booleans(), huge_ints, st.floats(allow_nan=False), odd_text)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(odd_text, inner, max_size=3), max_leaves=8)


def url_part(value: str) -> str:
    """``value`` as a percent-encoded path segment or query value; a lone surrogate goes out as its (invalid)
    UTF-8 bytes, as a client could send it."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def multipart_body(fields: dict[str, str], file_name: str, content: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with ``fields`` and one file, and its content type (built here, in memory:
    werkzeug's test client spools a large one to a temporary file it never closes)."""
    boundary = "qjPropsBoundary7MA4YWxkTrZu0gW"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
                 f"Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def form_body(fields: dict[str, str]) -> bytes:
    """An application/x-www-form-urlencoded body that can carry any code point (see ``url_part``)."""
    return "&".join(f"{url_part(k)}={url_part(v)}" for k, v in fields.items()).encode("ascii")


def deep_json(depth: int, kind: str = "list") -> bytes:
    """A JSON document nested ``depth`` levels deep."""
    if kind == "list":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


raw_json_bodies = st.one_of(
    st.builds(deep_json, st.sampled_from([100, 999, 2_000, 10_000, 100_000]), st.sampled_from(["list", "dict"])),
    st.sampled_from([b"", b"{", b"nul", b"\xff\xfe{}", b"\xef\xbb\xbf{}", b'{"a":"\xed\xa0\x80"}', b"1e999999",
                     b"-1e999999", b"NaN", b"Infinity", b'{"data": NaN}', b'"\\ud800"', b"[" + b"1," * 50_000 + b"1]",
                     b'{"process":"filing","county_code":"\\u0000","instruments":[]}']),
    json_values.map(lambda v: json.dumps(v).encode()),
)


# Mostly strings: they pass a type check and go deeper.
hostile_values = st.one_of(dangerous_text, odd_text, json_values)


@st.composite
def one_hostile(draw: st.DrawFn, valid: dict[str, Any]) -> dict[str, Any]:
    """``valid`` with at most one value replaced by a hostile one, so the rest of the request passes its checks."""
    target = draw(st.sampled_from([None, *valid]))
    if target is None:
        return dict(valid)
    return {**valid, target: draw(hostile_values)}


def form_value(schema: dict[str, Any], today: str = "2026-09-28") -> st.SearchStrategy[Any]:
    """A value a task form's property accepts (consts, choices, dates, text, numbers), as the form would send."""
    choices = [c["const"] for c in schema.get("oneOf", []) if "const" in c] + list(schema.get("enum", []))
    if "const" in schema:
        choices.append(schema["const"])
    if choices:
        return st.sampled_from(choices)
    kind = schema.get("type")
    if kind == "string" and schema.get("format") == "date":
        return st.sampled_from([today, "2026-09-29", "2026-10-20", "2027-09-27", "2026-09-01"])
    if kind == "string":
        return st.text(st.characters(min_codepoint=0x20, max_codepoint=0x9fff, exclude_categories=["Cs"]),
                       min_size=2, max_size=12)
    if kind in ("number", "integer"):
        return st.integers(0, 3)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(st.fixed_dictionaries({}), max_size=2)
    return json_values


@st.composite
def form_data(draw: st.DrawFn, schema: dict[str, Any]) -> dict[str, Any]:
    """Task data for a form: editable properties with valid values (some left out), at most one of them hostile."""
    editable = {name: prop for name, prop in schema.get("properties", {}).items() if not prop.get("readOnly")}
    valid = draw(st.fixed_dictionaries({}, optional={name: form_value(prop) for name, prop in editable.items()}))
    target = draw(st.sampled_from([None, *editable]))
    return valid if target is None else {**valid, target: draw(hostile_values)}
