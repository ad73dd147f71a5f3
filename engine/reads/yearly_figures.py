"""The figures an institute's yearly report is drafted from (Notice 一.（五）1, 三), one dict per institute.

They are computed by the engine when the report's case starts and handed in as its start data, not by a
function the diagram calls. Diagram functions live in the sandbox wing, below the reads that know the task,
case, audit and document tables; and the other diagrams get their facts the same way: an application's
instrument name, type and category are read from the ledger by the action that starts it
(``engine.actions.owner_actions``). The diagram's script task then drafts the narrative from these numbers.
The numbers stay in the case as of their day (``figures_as_of``), so the report the institute submits and
the bureau prints is the one the figures were drafted from.

Definitions (those of the managers' figures, ``engine.reads.figures``, for the institute's own cases):
- results: verification results the institute gave in the year (``figure_queries.results``); on time
  when given by the case's legal deadline (Regulation 第九条, or the date the owner agreed to);
- by category and result: the documents the institute issued in the year (检定证书 = passed, 检定结果通知书 =
  failed, 校准证书 = calibrated), by the instrument's category (Notice 一.（一）) and catalogue type;
- extensions asked and agreed, refusals, escalations: ``figure_queries.events``;
- fees: the sum of the fees on those documents (compulsory verification is free, Notice 一.（四）3: 0).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar.workdays import SHANGHAI
from engine.store.models import Document, Instrument

from . import figure_queries as q
from .figures import rate

RESULT_KINDS = {"verification_certificate": "passed", "result_notice": "failed",
                "calibration_certificate": "calibrated"}
CATEGORY_ORDER = ("public_standard", "highest_standard", "working")


def yearly_figures(session: Session, institute_ids: Collection[int], year: int, now: datetime
                   ) -> dict[int, dict[str, Any]]:
    """For each institute, its figures of the China-time calendar ``year`` up to ``now``, as start data."""
    ids = sorted(institute_ids)
    start, end = datetime(year, 1, 1, tzinfo=SHANGHAI), datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    as_of = min(now.astimezone(SHANGHAI).date(), date(year, 12, 31))
    results: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for group in q.results(session, ids, year).groups:
        results[group.institute_id][0] += group.count
        results[group.institute_id][1] += group.count * group.on_time
    events = q.events(session, ids, start, end)
    asked, agreed, refused, escalated = (events.get(kind, {}) for kind in (q.ASKED, q.AGREED, q.REFUSED,
                                                                           q.ESCALATED))
    rows, fees = _documents(session, ids, start, end)
    figures = {}
    for institute_id in ids:
        total, on_time = results[institute_id]
        figures[institute_id] = {
            "report_year": year, "figures_as_of": as_of.isoformat(),
            "results_total": total, "on_time_count": on_time, "on_time_rate": rate(on_time, total),
            "extensions_asked": asked.get(institute_id, 0), "extensions_agreed": agreed.get(institute_id, 0),
            "refusals": refused.get(institute_id, 0), "escalations": escalated.get(institute_id, 0),
            "fees_total": fees.get(institute_id, 0), "results_by_category": rows.get(institute_id, []),
        }
    return figures


def _documents(session: Session, ids: list[int], start: datetime, end: datetime
               ) -> tuple[dict[int, list[dict[str, Any]]], dict[int, int | float]]:
    """Issued documents per institute by (category, type, kind), and the fees on them."""
    institute = Document.content["institute_id"].as_integer()
    fee = func.coalesce(func.sum(Document.content["fee"].as_float()), 0)
    query = (select(institute, Instrument.category, Instrument.instrument_type, Document.kind, func.count(), fee)
             .join(Instrument, Instrument.id == Document.content["instrument_id"].as_integer())
             .where(Document.issued_at >= start, Document.issued_at < end, institute.in_(ids),
                    Document.kind.in_(RESULT_KINDS))
             .group_by(institute, Instrument.category, Instrument.instrument_type, Document.kind))
    cells: dict[int, dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
    fees: dict[int, float] = defaultdict(float)
    for institute_id, category, instrument_type, kind, count, paid in session.execute(query):
        row = cells[int(institute_id)].setdefault(
            (category, instrument_type), {"category": category, "instrument_type": instrument_type,
                                          "passed": 0, "failed": 0, "calibrated": 0, "total": 0})
        row[RESULT_KINDS[kind]] += int(count)
        row["total"] += int(count)
        fees[int(institute_id)] += float(paid or 0)
    order = {code: n for n, code in enumerate(CATEGORY_ORDER)}
    rows = {i: sorted(found.values(), key=lambda r: (order.get(r["category"], 9), r["instrument_type"]))
            for i, found in cells.items()}
    return rows, {i: int(total) if total == int(total) else round(total, 2) for i, total in fees.items()}
