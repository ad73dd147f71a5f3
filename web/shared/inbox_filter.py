"""The inbox filter as query parameters: read the same way by the inbox page and the API's task list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, pre_load

from engine import DUE_WINDOWS, SORTS, VIEWS

from .fields import Base, Str, choice


class InboxFilterQuery(Base):
    """The inbox filter as query parameters (empty ones count as absent; unknown ones are ignored).
    The allowed values are checked by the engine's ``InboxFilter``."""

    class Meta:
        unknown = EXCLUDE

    view = Str(load_default="all", validate=choice(VIEWS), metadata={
        "description": "mine（本人已认领）、group（本组待认领）、all（两者，默认）、"
                       "team（本单位全部，限监督管理人员）"})
    process_id = Str(metadata={"description": "流程，如 filing、verification_request"})
    spec_name = Str(metadata={"description": "任务，如 accept_application、verify"})
    county_code = Str(metadata={"description": "器具使用地县（市、区）六位行政区划代码"})
    instrument_type = Str(metadata={"description": "器具类型代码，如 fuel_dispenser"})
    due = Str(validate=choice(DUE_WINDOWS), metadata={
        "description": "期限：overdue（已逾期）、today（今天到期）、2wd（2 个工作日内到期）"})
    text = Str(metadata={"description": "案件编号开头或使用单位名称中的文字"})
    sort = Str(load_default="due", validate=choice(SORTS), metadata={
        "description": "due（期限最早的在前，默认）或 -due（最晚的在前）"})

    KEEP_BLANK: frozenset[str] = frozenset()  # parameters whose blank value is checked, not dropped

    @pre_load
    def _drop_blank(self, data: Any, **_kwargs: Any) -> Any:
        if isinstance(data, Mapping):
            return {k: v for k, v in data.items()
                    if k in self.KEEP_BLANK or not (isinstance(v, str) and not v.strip())}
        return data
