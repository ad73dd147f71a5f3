"""What every wing of the web app shares: the engine handle per request, sign-in, error pages, input limits,
security headers, the JSON Schema form renderer and the Chinese marshmallow fields.

Wings (clerks, owners, rules, api) import from here and from ``engine`` only, never from each other;
this package imports no wing. ``create_app`` wires the modules' ``init_app`` and blueprints directly.
"""

from __future__ import annotations

from . import sign_in_guard
from .auth import ROLE_NAMES, login_required
from .case_origin import case_origin, list_link, origin_crumb
from .errors import JSON_REQUIRED, MESSAGES, explain
from .fields import Base, Bool, DateTime, Dict, Int, List, Nested, Str, StrictBool, field_errors
from .form_values import Values, add_row, clean_values, compact, initial_values, read_form, remove_row, to_data
from .inbox_filter import InboxFilterQuery
from .input_guard import form_id
from .labels import DOCUMENT_KINDS, INSTRUMENT_CATEGORIES
from .redirects import same_site_referrer
from .role_guard import guard_role
from .schema_form import (
    Field,
    Option,
    Schema,
    SummaryItem,
    build_fields,
    choices,
    place_errors,
    raw_text,
    resolve,
)
from .system import get_session, get_system, write_session

__all__ = [
    "DOCUMENT_KINDS",
    "INSTRUMENT_CATEGORIES",
    "JSON_REQUIRED",
    "MESSAGES",
    "ROLE_NAMES",
    "Base",
    "Bool",
    "DateTime",
    "Dict",
    "Field",
    "InboxFilterQuery",
    "Int",
    "List",
    "Nested",
    "Option",
    "Schema",
    "Str",
    "StrictBool",
    "SummaryItem",
    "Values",
    "add_row",
    "build_fields",
    "case_origin",
    "choices",
    "clean_values",
    "compact",
    "explain",
    "field_errors",
    "form_id",
    "get_session",
    "get_system",
    "guard_role",
    "list_link",
    "initial_values",
    "login_required",
    "origin_crumb",
    "place_errors",
    "raw_text",
    "read_form",
    "remove_row",
    "resolve",
    "same_site_referrer",
    "sign_in_guard",
    "to_data",
    "write_session",
]
