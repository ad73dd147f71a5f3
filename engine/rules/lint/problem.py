"""What a lint rule reports: one reason a rule set cannot be published."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """A problem pointing at the element the editor selects (``element_id`` "" means the whole file).

    Every problem blocks publishing, so there is no severity. ``message`` is Chinese, for policy staff.
    """

    file: str
    element_id: str
    element_name: str
    message: str
