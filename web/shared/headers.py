"""Security headers on every response (Flask-Talisman): a strict Content-Security-Policy and friends.

Every script and style sheet is a file served by this app (``web/static`` or the ``/vendor`` allow-list),
so the policy allows ``'self'`` and nothing inline. Two exceptions, each as narrow as it can be:

- ``style-src-attr 'unsafe-inline'``: bpmn-js, dmn-js and diagram-js write ``style="..."`` attributes
  (positions, sizes, colours) while drawing; without it the diagrams do not render.
- the decision-table editor also allows inline ``<style>`` elements (``style-src-elem``): dmn-js adds
  ``<style>`` elements while it runs (Chromium reports two, one of them CodeMirror's for the FEEL editor),
  and their text depends on the dmn-js version, so hashes would break on upgrade. Only that page gets it;
  a style element cannot run script.

The browser tests fail on any CSP violation the browser reports (``tests/web/browser.py``); with either
exception removed, the rule-editor test fails.

Framing is refused (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``), MIME sniffing is off,
and the referrer is only sent to this site. ``QIANGJIAN_HTTPS_ONLY`` turns on the HTTPS redirect,
HSTS and ``Secure`` cookies (off by default: an intranet install often has no certificate).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request
from flask_talisman import DENY, Talisman

from engine import file_kind

CSP: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# The decision-table editor: CodeMirror's <style> element fallback (see the module docstring).
DECISION_EDITOR_CSP: dict[str, str] = {**CSP, "style-src-elem": "'self' 'unsafe-inline'"}
REFERRER_POLICY = "same-origin"


def init_app(app: Flask) -> Talisman:
    """Add the headers to every response; HTTPS-only parts follow ``HTTPS_ONLY``."""
    https_only = bool(app.config.get("HTTPS_ONLY"))
    app.after_request(_decision_editor_policy)  # registered first, so it runs after Talisman's hook
    talisman = Talisman(
        app,
        force_https=https_only,
        strict_transport_security=https_only,
        session_cookie_secure=https_only or bool(app.config.get("SESSION_COOKIE_SECURE")),
        session_cookie_http_only=True,
        frame_options=DENY,
        content_security_policy=CSP,
        referrer_policy=REFERRER_POLICY,
        # The app uses no camera, microphone or location: no page (nor anything injected) may ask for them.
        permissions_policy={"camera": "()", "microphone": "()", "geolocation": "()"},
    )
    return talisman


def _decision_editor_policy(response: Response) -> Response:
    """Widen the policy for the decision-table editor page only."""
    file_name = str((request.view_args or {}).get("file_name", ""))
    if request.endpoint == "rules.editor" and file_kind(file_name) == "decision":
        _set_policy(response, DECISION_EDITOR_CSP)
    return response


def _set_policy(response: Response, policy: dict[str, Any]) -> None:
    response.headers["Content-Security-Policy"] = "; ".join(f"{key} {value}" for key, value in policy.items())
