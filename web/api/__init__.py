"""The JSON API for scripts and other systems (``/api``), with its marshmallow schemas and OpenAPI document.

The rest of web uses only ``bp`` (``create_app`` exempts it from CSRF: the API checks cookie-session
writes itself). Imports ``web.shared`` and ``engine`` only.
"""

from __future__ import annotations

from .api import bp

__all__ = ["bp"]
