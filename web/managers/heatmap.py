"""The managers' process heatmap (``/manage/heatmap``): a process's current diagram with, on each activity,
how many running cases wait there and how many are overdue, the same numbers as a table, and the cases
waiting at one activity (the table's links, or a click on the diagram) listed below, paged.

Managers only (role ``manager``); others get 403 and an audit entry. Scope is the stuck cases' (the manager's
organisation and everything below it). The diagram is drawn by web/static/managers/heatmap.js from a JSON
block (no inline script, for the CSP); the table works without JavaScript and is what tests read.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, abort, current_app, g, render_template, request, url_for

from engine import (
    SHANGHAI,
    ActivityCount,
    NotFound,
    ProcessHeat,
    Role,
    activity_cases,
    activity_counts,
    heatmap_processes,
    stuck_scope,
    unstorable,
)

from ..shared import ROLE_NAMES, get_session, get_system, guard_role, list_link

bp = Blueprint("heatmap", __name__, url_prefix="/manage/heatmap")
MAX_PAGE = 10**6

guard_role(bp, Role.MANAGER, "流程热力图仅限监督管理人员使用，此次访问已记录")


@bp.get("/")
def index() -> Any:
    """The picker, the diagram with its badges, the table, and the cases at the chosen activity."""
    session, engine = get_session(), get_system().engine
    processes = heatmap_processes(session)
    if not processes:
        abort(404, description="尚未部署任何流程")
    process_id = _text("process") or processes[0][0]
    activity, overdue_only, page = _text("activity"), request.args.get("overdue") == "1", _page()
    scope = stuck_scope(session, g.user.organisation_id)
    now = engine.clock()
    try:
        heat = activity_counts(session, now, scope, process_id)
    except NotFound:
        abort(404, description=f"没有名为“{process_id}”的流程，请从列表中选择流程")
    chosen = _chosen(heat, activity)
    waiting = None
    if activity:
        size = current_app.config["PAGE_SIZE"]
        waiting = activity_cases(session, now, scope, process_id, activity, overdue_only=overdue_only,
                                 page=page, size=size)
    links = {c.slot.key: _links(heat, c) for c in heat.counts}
    diagram = {"xml": heat.diagram, "roles": ROLE_NAMES, "counts": _badges(heat, links),
               "chosen": list(chosen.slot.activity_ids) if chosen else []}
    here: dict[str, Any] = {"process": process_id, "activity": activity, "overdue": "1" if overdue_only else None}
    return render_template(
        "managers/heatmap.html", heat=heat, processes=processes, process_id=process_id, links=links,
        diagram=diagram, chosen=chosen, activity=activity, overdue_only=overdue_only, waiting=waiting, page=page,
        prev_url=url_for("heatmap.index", **here, page=page - 1, _anchor="waiting") if page > 1 else None,
        next_url=url_for("heatmap.index", **here, page=page + 1, _anchor="waiting")
        if waiting and waiting.has_next else None,
        shared=any(len(c.slot.activity_ids) > 1 for c in heat.counts),
        total=sum(c.waiting for c in heat.counts), total_overdue=sum(c.overdue for c in heat.counts),
        generated=now.astimezone(SHANGHAI), organisation=g.organisation,
        case_link=list_link("heatmap", {k: str(v) for k, v in here.items() if v}),  # the case crumb leads back
    )


def _text(name: str) -> str:
    value = (request.args.get(name) or "").strip()
    if len(value) > 100 or unstorable(value):
        abort(400, description="参数取值无效")
    return value


def _page() -> int:
    value = (request.args.get("page") or "1").strip()
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value[:9]) <= MAX_PAGE or len(value) > 9:
        abort(400, description="页码必须是 1 到 1000000 之间的整数")
    return int(value)


def _chosen(heat: ProcessHeat, activity: str) -> ActivityCount | None:
    """The slot the activity (a slot key or any activity of it) belongs to; 404 for one the process lacks."""
    if not activity:
        return None
    for count in heat.counts:
        if activity == count.slot.key or activity in count.slot.activity_ids:
            return count
    abort(404, description=f"流程“{heat.name}”中没有环节“{activity}”，或该环节没有等待中的案件")


def _links(heat: ProcessHeat, count: ActivityCount) -> dict[str, str | None]:
    """Where a slot's numbers lead: the list below the diagram (all, or overdue only), and the stuck page's
    overdue tab filtered by the step (for a slot of one step)."""
    key = count.slot.key
    stuck = None
    if len(count.slot.spec_names) == 1 and count.slot.spec_names[0]:
        params: dict[str, Any] = {"spec_name": count.slot.spec_names[0]}
        if not heat.called:
            params["process_id"] = heat.process_id
        stuck = url_for("managers.stuck", tab="overdue", **params)
    return {
        "all": url_for("heatmap.index", process=heat.process_id, activity=key, _anchor="waiting"),
        "overdue": url_for("heatmap.index", process=heat.process_id, activity=key, overdue="1", _anchor="waiting"),
        "stuck": stuck,
    }


def _badges(heat: ProcessHeat, links: dict[str, dict[str, str | None]]) -> dict[str, dict[str, Any]]:
    """Activity id -> what its badge shows, and its shade: 0 (nobody waits) to 5 (as busy as the busiest)."""
    busiest = max((c.waiting for c in heat.counts if c.in_diagram), default=0)
    badges = {}
    for count in heat.counts:
        for activity_id in count.slot.activity_ids:
            badges[activity_id] = {
                "name": count.slot.name, "waiting": count.waiting, "overdue": count.overdue,
                "shared": len(count.slot.activity_ids) > 1, "url": links[count.slot.key]["all"],
                "level": math.ceil(5 * count.waiting / busiest) if busiest else 0}
    return badges
