"""Throttling and locking of sign-in, shared by the form and HTTP Basic: ``authenticate`` is the one door.

Two limits, both counting failed sign-ins only (a right password costs nothing):

- per address (Flask-Limiter, moving window, ``SIGN_IN_ADDRESS_LIMIT``): one address cannot try many
  passwords, on one account or spread over many. The counters live in ``RATELIMIT_STORAGE_URI``:
  ``memory://`` for one process, ``redis://...`` when several workers must share them.
- per account (in the database, from the audit; see ``engine.sign_in``): ``SIGN_IN_ACCOUNT_FAILURES``
  failures within ``SIGN_IN_LOCK_SECONDS`` lock the username for ``SIGN_IN_LOCK_SECONDS``, whatever
  address they came from. So that an attacker cannot lock a clerk out of their own desk, a browser
  where that user signed in before (a signed "trusted device" cookie) is exempt from the account lock.

While either limit holds, no password is checked, not even the right one. Each failure is audited as
``sign_in_failed`` and each lock as it begins as ``sign_in_locked`` (username tried and address, never
the password); refused attempts during a lock are not written, so a flood cannot fill the audit.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItem, parse
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response as BaseResponse

from engine import SIGN_IN_FAILED, SIGN_IN_LOCKED, LockPolicy, User, account_locked_until, record_sign_in_event

from . import credentials
from .system import get_session, get_system, write_session

SCOPE = "sign-in-failures"
TRUSTED_COOKIE = "qj_trusted_device"
TRUSTED_DAYS = 180
TRUSTED_USERS = 5  # usernames remembered per browser (a shared front-desk computer)
EXTENSION = "qiangjian_sign_in"
TOO_MANY = "登录失败次数过多，请 {minutes} 分钟后再试"


class SignInRefused(Exception):
    """Sign-in is throttled or locked: answer 429 with ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """What the user reads, in Chinese (whole minutes, rounded up)."""
        return TOO_MANY.format(minutes=math.ceil(self.retry_after / 60))


@dataclass(frozen=True)
class Guard:
    """The app's limiter, its per-address limit and the account lock policy."""

    limiter: Limiter
    address_limit: RateLimitItem
    policy: LockPolicy


def init_app(app: Flask) -> None:
    """Trust ``PROXY_COUNT`` proxies for the client address, and set up the limiter for the guard."""
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    limiter = Limiter(get_remote_address, app=app, storage_uri=app.config["RATELIMIT_STORAGE_URI"],
                      strategy="moving-window", default_limits=[], headers_enabled=False)
    lock = timedelta(seconds=int(app.config["SIGN_IN_LOCK_SECONDS"]))
    app.extensions[EXTENSION] = Guard(
        limiter, parse(app.config["SIGN_IN_ADDRESS_LIMIT"]),
        LockPolicy(failures=int(app.config["SIGN_IN_ACCOUNT_FAILURES"]), window=lock, lock=lock),
    )


def authenticate(username: str, password: str, channel: str) -> User | None:
    """The user these credentials sign in, None for wrong ones; raises ``SignInRefused`` while limited."""
    guard: Guard = current_app.extensions[EXTENSION]
    address = client_address()
    now = get_system().engine.clock()
    strategy = guard.limiter.limiter
    if not strategy.test(guard.address_limit, SCOPE, address):
        raise SignInRefused(_address_retry_after(guard, address))
    if username not in trusted_usernames():
        locked_until = account_locked_until(get_session(), username, guard.policy, now)
        if locked_until is not None:
            raise SignInRefused(math.ceil((locked_until - now).total_seconds()))
    user = credentials.check_credentials(get_session(), username, password)
    if user is not None:
        return user
    strategy.hit(guard.address_limit, SCOPE, address)
    with write_session() as db:
        record_sign_in_event(db, SIGN_IN_FAILED, username, address, now, {"channel": channel})
        if not strategy.test(guard.address_limit, SCOPE, address):
            wait = _address_retry_after(guard, address)
            record_sign_in_event(db, SIGN_IN_LOCKED, username, address, now,
                                 {"channel": channel, "scope": "address", "seconds": wait})
        locked_until = account_locked_until(db, username, guard.policy, now)
        if locked_until is not None:
            record_sign_in_event(db, SIGN_IN_LOCKED, username, address, now, {
                "channel": channel, "scope": "account", "until": locked_until.isoformat()})
    return None


def client_address() -> str:
    """The client's address (the proxies' ``X-Forwarded-For`` is honoured only with ``PROXY_COUNT``)."""
    return request.remote_addr or "unknown"


def _address_retry_after(guard: Guard, address: str) -> int:
    stats = guard.limiter.limiter.get_window_stats(guard.address_limit, SCOPE, address)
    return math.ceil(stats.reset_time - time.time())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="qiangjian-trusted-device")


def trusted_usernames() -> list[str]:
    """Users who signed in on this browser before (the signed cookie), newest first."""
    value = request.cookies.get(TRUSTED_COOKIE)
    if not value:
        return []
    try:
        names = _serializer().loads(value, max_age=TRUSTED_DAYS * 86400)
    except BadSignature:
        return []
    return [name for name in names if isinstance(name, str)] if isinstance(names, list) else []


def remember_device(response: BaseResponse, username: str) -> None:
    """Mark this browser as one where ``username`` signs in (exempt from that account's lock)."""
    names = [username, *(name for name in trusted_usernames() if name != username)][:TRUSTED_USERS]
    response.set_cookie(TRUSTED_COOKIE, _serializer().dumps(names), max_age=TRUSTED_DAYS * 86400,
                        httponly=True, samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                        path="/auth/")


def too_many_response(refused: SignInRefused) -> Response:
    """The API's (and HTTP Basic's) 429: JSON with the wait, and ``Retry-After``."""
    response = Response(status=429, mimetype="application/json")
    response.set_data(current_app.json.dumps({"error": "登录尝试过多", "detail": refused.message,
                                              "retry_after": refused.retry_after}))
    response.headers["Retry-After"] = str(refused.retry_after)
    return response
