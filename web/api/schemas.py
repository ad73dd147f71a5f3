"""marshmallow schemas for the JSON API: what requests may carry and what responses hold.

Input schemas check shape and types (messages in zh-CN) and refuse unknown fields; the values a
process accepts (categories, purposes, county codes, the rules of each task) are checked by the
process's own JSON Schema forms in ``bpmn/``, which policy staff edit — they are not copied here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, validate

from engine import FILING, MAX_ID, MAX_PAGE_SIZE, VERIFICATION_REQUEST, field_length

from ..shared import Base, Bool, DateTime, Dict, InboxFilterQuery, Int, List, Nested, Str, StrictBool

# Bounds that keep numbers inside what a database integer holds (ids: engine.MAX_ID, PostgreSQL INTEGER).
MAX_OFFSET = 10_000_000


# -- input -------------------------------------------------------------------------------------
_ID_RANGE = validate.Range(1, MAX_ID, error="不是有效的编号")


def _text(column_field: str, description: str) -> Str:
    """A required text field as long as the ledger column it is stored in allows."""
    limit = field_length(column_field)
    assert limit is not None, column_field
    return Str(required=True, validate=validate.Length(max=limit, error=f"不能超过 {limit} 个字"),
               metadata={"description": f"{description}（不超过 {limit} 个字）"})


class TaskListQuery(InboxFilterQuery):
    """Query parameters of the inbox; other parameters (cache busters) are ignored."""

    limit = Int(load_default=20, validate=validate.Range(1, MAX_PAGE_SIZE, error=f"必须在 1 到 {MAX_PAGE_SIZE} 之间"),
                metadata={"description": f"每页条数（1–{MAX_PAGE_SIZE}）"})
    offset = Int(load_default=0, validate=validate.Range(0, MAX_OFFSET, error=f"必须在 0 到 {MAX_OFFSET} 之间"),
                 metadata={"description": "跳过的条数"})


    # A blank view, due or sort is not one of the values the document lists, so the API refuses it
    # (the inbox page's form keeps sending blanks, which count as absent there).
    KEEP_BLANK = frozenset({"view", "due", "sort"})


class CompleteTask(Base):
    data = Dict(keys=Str(), required=True, metadata={
        "description": "按任务表单（GET /api/tasks/{task_id} 的 form）填写的字段"})
    expected_version = Int(strict=True, allow_none=True, load_default=None, metadata={
        "description": "办理前看到的案件版本；案件已被他人改动时返回 409"})


class InstrumentInput(Base):
    """One instrument of a filing; allowed values are those of ``bpmn/filing.start.schema.json``."""

    name = _text("name", "器具名称")
    model = _text("model", "型号规格")
    serial_no = _text("serial_no", "出厂编号")
    instrument_type = _text("instrument_type", "器具类型（检定能力台账中的类型代码）")
    category = Str(required=True, metadata={"description": "类别：public_standard、highest_standard 或 working"})
    in_catalogue = StrictBool(required=True,
                        metadata={"description": "是否列入《实施强制检定的工作计量器具目录》"})
    purpose = Str(required=True, metadata={"description": "用途：trade_settlement、safety_protection、"
                                                         "medical_health、environmental_monitoring 或 other"})
    location = _text("location", "使用地点")


class FilingStart(Base):
    """Start a filing (备案) of instruments used in one county."""

    process = Str(required=True, validate=validate.Equal(FILING, error="取值无效"))
    county_code = Str(required=True, metadata={"description": "使用地县（市、区）六位行政区划代码"})
    instruments = List(Nested(InstrumentInput), required=True, metadata={"description": "器具清单，至少一台"})


class VerificationStart(Base):
    """Apply for verification of an instrument of the owner's ledger."""

    process = Str(required=True, validate=validate.Equal(VERIFICATION_REQUEST, error="取值无效"))
    instrument_id = Int(strict=True, required=True, validate=_ID_RANGE, metadata={"description": "器具台账编号"})
    assessing_org_id = Int(strict=True, allow_none=True, load_default=None, validate=_ID_RANGE, metadata={
        "description": "主持考核的市场监管部门（计量标准器具必填）：器具使用地的县（市、区）、市或省市场监督管理局"})


# -- output ------------------------------------------------------------------------------------
class TaskOut(Base):
    id = Str(metadata={"description": "任务编号"})
    title = Str()
    spec_name = Str(metadata={"description": "流程图中的任务标识，如 record_receipt"})
    role = Str(metadata={"description": "办理角色：owner、institute、bureau、filing_handler"})
    case_id = Int()
    case_number = Str()
    case_title = Str()
    due_at = DateTime(allow_none=True, metadata={"description": "办理期限（ISO 8601，含时区）；无期限为 null"})
    overdue = Bool()
    assignee_id = Int(allow_none=True, metadata={"description": "认领人；未认领为 null"})


class TaskPage(Base):
    items = List(Nested(TaskOut))
    limit = Int()
    offset = Int()
    has_more = Bool(metadata={"description": "是否还有下一页"})


class TaskDetail(Base):
    task = Nested(TaskOut)
    case_version = Int(metadata={"description": "案件当前版本，可作办理时的 expected_version"})
    form = Dict(metadata={"description": "任务表单（JSON Schema 2020-12，含 x-error 等扩展）"})
    documentation = Str(metadata={"description": "任务依据的规定"})
    facts = Dict(metadata={"description": "办理时可见的案件数据"})


class CaseRefOut(Base):
    case_id = Int(attribute="id")
    case_number = Str(attribute="number")
    version = Int(metadata={"description": "案件版本，下一次办理时可作 expected_version"})
    status = Str(metadata={"description": "案件状态：running 办理中，completed 已办结，"
                                          "error 运行出错（已停止办理，问题排除后由管理人员重试）"})
    error_message = Str(metadata={
        "description": "status 为 error 时：本次办理触发的流程规则为何失败（如脚本超出时间限制）；"
                       "本次提交未生效，提交的数据已记入审计日志"})


class Error(Base):
    error = Str(required=True, metadata={"description": "错误摘要"})
    detail = Str(metadata={"description": "详细说明"})
    fields_ = Dict(keys=Str(), values=List(Str()), data_key="fields", metadata={
        "description": "字段错误：字段路径（如 instruments.0.serial_no）→ 错误信息列表"})
    retry_after = Int(metadata={"description": "429 时：多少秒后可以再试（同 Retry-After 响应头）"})


task_list_query = TaskListQuery()
complete_task_body = CompleteTask()
filing_start = FilingStart()
verification_start = VerificationStart()
START_SCHEMAS: dict[str, Schema] = {FILING: filing_start, VERIFICATION_REQUEST: verification_start}
task_out = TaskOut()
task_page = TaskPage()
task_detail = TaskDetail()
case_ref_out = CaseRefOut()


def load_start_case(body: Any) -> dict[str, Any]:
    """The body of ``POST /api/cases``, loaded by the schema its ``process`` names."""
    if not isinstance(body, Mapping):
        raise ValidationError({"_schema": [Base.error_messages["type"]]})
    process = body.get("process")
    schema = START_SCHEMAS.get(process) if isinstance(process, str) else None
    if schema is None:
        raise ValidationError({"process": [f"必须是以下之一：{'、'.join(START_SCHEMAS)}"]})
    loaded: dict[str, Any] = schema.load(body)
    return loaded
