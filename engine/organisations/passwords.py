"""How passwords are hashed: werkzeug's maintained default (scrypt, ~0.2 s a hash here) unless
``QIANGJIAN_PASSWORD_METHOD`` names another werkzeug method, e.g. ``scrypt:1024:8:1``.

The setting exists for test suites, which sign in thousands of times (a cheaper scrypt cost keeps the
algorithm and every code path while saving minutes); production leaves it unset. A stored hash names its
own method, so hashes made under one setting are still checked correctly under another.
"""

from __future__ import annotations

import os

from werkzeug.security import generate_password_hash

METHOD_SETTING = "QIANGJIAN_PASSWORD_METHOD"


def hash_password(password: str) -> str:
    """A salted hash of ``password`` by the configured method (werkzeug's default when unset)."""
    method = os.environ.get(METHOD_SETTING, "").strip()
    return generate_password_hash(password, method) if method else generate_password_hash(password)
