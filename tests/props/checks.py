"""The properties every hostile-input test asserts, and following a started case through its later steps."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from werkzeug.test import TestResponse

from engine import Task, User
from web.shared.system import get_system

from .conftest import OWNER, PropApp, row_counts

FORM = "application/x-www-form-urlencoded"


def refused_wrote_nothing(prop_app: PropApp, before: dict[str, int], response: TestResponse, what: str) -> None:
    """The two properties: no 5xx, and a 4xx left every table as it was."""
    assert response.status_code < 500, f"{what}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    if response.status_code >= 400:
        assert row_counts(prop_app.app) == before, f"{what}: refused with {response.status_code} but wrote rows"


def clerk_of(prop_app: PropApp, task_id: str) -> str:
    """A user who works ``task_id`` (the demo has one per organisation and role)."""
    with prop_app.app.app_context(), get_system().readers() as s:
        task = s.get(Task, task_id)
        users = s.scalars(select(User).where(User.organisation_id == task.organisation_id)).all()
        return next(u.username for u in users if task.role in u.roles.split(","))


def open_task(prop_app: PropApp, case_id: int) -> str | None:
    with prop_app.app.app_context(), get_system().readers() as s:
        return s.scalars(select(Task.id).where(Task.case_id == case_id, Task.status == "ready")).first()


def follow(prop_app: PropApp, case_id: int, data: dict[str, Any] | None = None) -> None:
    """The later steps of a case someone started: its open task's page and API view as its clerk, the case page,
    the owner's ledger, and completing the task with ``data``; none may answer 5xx."""
    task_id = open_task(prop_app, case_id)
    owner = prop_app.client(OWNER)
    for path in (f"/cases/{case_id}", "/owner/"):
        response = owner.open(path)
        assert response.status_code < 500, f"{response.status_code} on {path} after the case was started"
    if task_id is None:
        return
    clerk = prop_app.client(clerk_of(prop_app, task_id))
    for path in (f"/tasks/{task_id}", f"/api/tasks/{task_id}", f"/cases/{case_id}", "/", "/api/tasks"):
        response = clerk.open(path)
        assert response.status_code < 500, f"{response.status_code} on {path} at the next step"
    if data is not None:
        response = clerk.open(f"/api/tasks/{task_id}/complete", "POST", json={"data": data},
                              headers={"X-CSRFToken": clerk.csrf})
        assert response.status_code < 500, f"{response.status_code} completing the next step with {data}"
