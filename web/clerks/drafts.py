"""Unfinished task forms kept per (user, task), so a half-filled form survives a reload.

A draft is the form as typed, without validation, with the case version the user saw, in one
JSON file under the instance folder (``instance/drafts/<user_id>/<task_id>.json``, or the ``DRAFTS_DIR`` setting). Files
rather than a table because drafts are private scratch data the engine never reads; each
write goes to a temporary file that replaces the old one, so a crash never leaves half a draft.
The version makes a submit from a reopened draft meet the same conflict check as one from the page
it was typed on: a case that changed in between is reported, not silently overwritten.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app

logger = logging.getLogger(__name__)
_TASK_ID = re.compile(r"[A-Za-z0-9-]{1,64}")  # SpiffWorkflow task UUIDs; never a path


@dataclass(frozen=True)
class Draft:
    """The values a user saved for a task, when, and the case version they were typed against
    (None for drafts saved before versions were kept)."""

    values: dict[str, Any]
    saved_at: datetime
    version: int | None = None


def _path(user_id: int, task_id: str) -> Path:
    if not _TASK_ID.fullmatch(task_id):
        raise ValueError(f"not a task id: {task_id!r}")
    root = current_app.config.get("DRAFTS_DIR") or Path(current_app.instance_path) / "drafts"
    return Path(root) / str(int(user_id)) / f"{task_id}.json"


def find_draft(user_id: int, task_id: str) -> Draft | None:
    """The user's draft of the task, or None (also when the file is unreadable)."""
    path = _path(user_id, task_id)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        version = stored.get("version")
        return Draft(stored["values"], datetime.fromisoformat(stored["saved_at"]),
                     version if isinstance(version, int) and not isinstance(version, bool) else None)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        logger.warning("Draft %s is unreadable; ignored", path)
        return None


def save_draft(user_id: int, task_id: str, values: dict[str, Any], now: datetime, *, version: int | None) -> None:
    """Write the draft atomically (a temporary file in the same folder replaces the old one), with the
    case version the values were typed against."""
    path = _path(user_id, task_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"values": values, "saved_at": now.isoformat(), "version": version}, ensure_ascii=False)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".draft-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def delete_draft(user_id: int, task_id: str) -> None:
    """Remove the draft if there is one (after the task is completed, or when the user discards it)."""
    _path(user_id, task_id).unlink(missing_ok=True)
