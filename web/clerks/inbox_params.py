"""The inbox page's edges: the filter read from a query string or form, tabs, and messages in Chinese."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import url_for
from marshmallow import ValidationError, validate

from engine import Actor, BulkResult, InboxCounts, InboxFilter, Role, ValidationFailed

from ..shared import InboxFilterQuery, Int, field_errors

MAX_PAGE_NUMBER = 100_000  # keeps the page number inside what a database integer holds

FIELD_NAMES = {"view": "视图", "process_id": "流程", "spec_name": "任务", "county_code": "区县",
               "instrument_type": "器具类型", "due": "期限", "text": "关键字", "sort": "排序", "page": "页码"}
CHOICE_FIELDS = frozenset({"view", "due", "sort"})
CHOICE_ERROR = "不是可选的值，请从列表中选择"
DUE_NAMES = {"overdue": "已逾期", "today": "今天到期", "2wd": "2 个工作日内到期"}
SKIP_REASONS = {"not_found": "任务不存在", "closed": "任务已办结或已关闭", "other_group": "不属于本组",
                "claimed_by_other": "已被他人认领", "already_mine": "本来就是您认领的",
                "already_assigned": "本来就由该同事办理", "suspended": "案件已暂停办理，恢复前不能认领"}


class InboxQuery(InboxFilterQuery):
    """Query parameters of the inbox page."""

    page = Int(load_default=1, validate=validate.Range(
        1, MAX_PAGE_NUMBER, error=f"必须在 1 到 {MAX_PAGE_NUMBER} 之间"))


inbox_query = InboxQuery()


@dataclass(frozen=True)
class Tab:
    """One inbox tab; ``danger`` marks a count that needs attention (overdue tasks) in red."""

    label: str
    count: int | None
    url: str
    active: bool
    danger: bool = False


def read_filter(args: Mapping[str, Any], size: int) -> tuple[InboxFilter, dict[str, list[str]]]:
    """The filter the parameters ask for, and field errors; a bad value is dropped (and reported),
    the rest of the filter still applies."""
    params = {k: v for k, v in args.items() if k in FIELD_NAMES}
    errors: dict[str, list[str]] = {}
    for _attempt in range(len(FIELD_NAMES) + 1):
        try:
            return InboxFilter(**inbox_query.load(params), size=size), errors
        except ValidationError as exc:
            found = field_errors(exc.messages)
        except ValidationFailed as exc:
            found = exc.errors
        errors.update(found)
        params = {k: v for k, v in params.items() if k not in found}
        if not found:
            break
    return InboxFilter(size=size), errors


def describe_errors(errors: dict[str, list[str]]) -> list[str]:
    """Field errors as sentences ("期限：不是可选的值……"); a bad choice is not explained with codes."""
    def text(name: str, messages: list[str]) -> str:
        return CHOICE_ERROR if name in CHOICE_FIELDS and messages[0].startswith("取值无效") else "；".join(messages)

    return [f"{FIELD_NAMES.get(name, name)}：{text(name, messages)}" for name, messages in errors.items()]


def join_messages(errors: Mapping[str, list[str]]) -> str:
    """Every message of a field-error mapping in one line, for a flash."""
    return "；".join(message for messages in errors.values() for message in messages)


def is_supervisor(actor: Actor) -> bool:
    """Whether the actor supervises the organisation's work (sees 本单位全部, reassigns tasks)."""
    return Role.MANAGER.value in actor.roles


def tabs(flt: InboxFilter, counts: InboxCounts, actor: Actor) -> list[Tab]:
    """全部待办 / 我的任务 / 待认领 / 已逾期 (and 本单位全部 for supervisors), each keeping the other filters."""
    items = [
        Tab("全部待办", counts.mine + counts.group, inbox_url(flt.but(view="all", due=None, page=1)),
            flt.view == "all" and flt.due is None),
        Tab("我的任务", counts.mine, inbox_url(flt.but(view="mine", due=None, page=1)),
            flt.view == "mine" and flt.due is None),
        Tab("待认领", counts.group, inbox_url(flt.but(view="group", due=None, page=1)),
            flt.view == "group" and flt.due is None),
        Tab("已逾期", counts.overdue, inbox_url(flt.but(view="all", due="overdue", page=1)),
            flt.view == "all" and flt.due == "overdue", danger=True),
    ]
    if is_supervisor(actor):
        items.append(Tab("本单位全部", None, inbox_url(flt.but(view="team", due=None, page=1)),
                         flt.view == "team" and flt.due is None))
    return items


def inbox_url(flt: InboxFilter, **extra: Any) -> str:
    """The inbox URL showing ``flt`` (its page too, unless it is the first)."""
    params: dict[str, Any] = flt.params()
    if flt.page > 1:
        params["page"] = flt.page
    return url_for("tasks.index", **params, **extra)


def back_url(query: str) -> str:
    """The inbox with a query string a form carried back; only the query is taken from the client."""
    return url_for("tasks.index") + ("?" + query if query and "\n" not in query and "\r" not in query else "")


def filter_query(flt: InboxFilter) -> str:
    """The filter (and its page) as a query string, which forms post back to return to the same list."""
    return urlencode(flt.params() | ({"page": flt.page} if flt.page > 1 else {}))


def bulk_message(verb: str, result: BulkResult) -> str:
    """"已认领 3 项；2 项未处理：QJ2026000001（已被他人认领）、……"."""
    text = f"{verb} {len(result.done)} 项"
    if result.skipped:
        shown = [f"{s.case_number or s.task_id}（{SKIP_REASONS.get(s.reason, s.reason)}）" for s in result.skipped[:5]]
        more = "等" if len(result.skipped) > len(shown) else ""
        text += f"；{len(result.skipped)} 项未处理：{'、'.join(shown)}{more}"
    return text
