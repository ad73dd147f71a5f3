"""Blueprint "tasks": the URLs of the clerks' inbox (web/clerks/inbox.py) and of the task page
(web/clerks/task_page.py).

The views live in those modules; their URLs and endpoint names (``tasks.index``, ``tasks.detail``, ...)
are all declared here, so the whole map is in one place.
"""

from __future__ import annotations

from flask import Blueprint

from . import inbox, task_page

bp = Blueprint("tasks", __name__)
POST = ["POST"]

bp.add_url_rule("/", "index", inbox.index)
bp.add_url_rule("/filters", "save_filter", inbox.save_filter_view, methods=POST)
bp.add_url_rule("/filters/<id:filter_id>/delete", "delete_filter", inbox.delete_filter_view, methods=POST)
bp.add_url_rule("/tasks/bulk", "bulk", inbox.bulk, methods=POST)
bp.add_url_rule("/tasks/<task_id>/claim", "claim", inbox.claim, methods=POST)
bp.add_url_rule("/tasks/<task_id>/release", "release", inbox.release, methods=POST)
bp.add_url_rule("/tasks/<task_id>", "detail", task_page.detail)
bp.add_url_rule("/tasks/<task_id>", "act", task_page.act, methods=POST)
