"""Checking a username and password, the same way for the sign-in form and HTTP Basic on the API.

Apart from the sign-in page (``auth``) and the throttling around it (``sign_in_guard``), which both use it.
"""

from __future__ import annotations

import functools
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from engine import User, hash_password

USERNAME_LENGTH = 64  # User.username


def warm_up() -> None:
    """Make the dummy hash at start-up, so the first unknown username is not slower than the rest."""
    _dummy_hash()


def check_credentials(db: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, else None.

    An unknown or inactive username is checked against a dummy hash, so the answer takes as long
    as a wrong password and its timing does not tell which usernames exist.
    """
    user = None
    if _could_be_username(username):
        user = db.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def _could_be_username(username: str) -> bool:
    """False for what no stored username can be (too long, NUL, a lone surrogate): not worth a query."""
    return (len(username) <= USERNAME_LENGTH and "\x00" not in username
            and not any("\ud800" <= char <= "\udfff" for char in username))


@functools.cache
def _dummy_hash() -> str:
    """A hash made the way real ones are (same method and cost), of a password nobody has."""
    return hash_password(secrets.token_hex(16))
