"""The ledger half of the integrity check: instruments and documents, each written exactly once.

A ledger row is written by a diagram script in the same transaction as the case step and the audit
entry that announces it, so after any crash the two must pair up one to one. The database's unique
constraints already refuse most duplicates; these checks also catch what no constraint covers (a second
certificate for one verification, a ledger row no registration announced).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.store.models import AuditEntry, Document, Instrument


class _Report(Protocol):
    ledger_entries: int
    documents: int
    problems: list[str]


def check_ledgers(session: Session, report: _Report) -> None:
    """Add to ``report`` every duplicate or unannounced instrument and document."""
    report.problems += instrument_problems(session)
    report.problems += document_problems(session)
    report.ledger_entries = session.scalar(select(func.count()).select_from(Instrument)) or 0
    report.documents = session.scalar(select(func.count()).select_from(Document)) or 0


def instrument_problems(session: Session) -> list[str]:
    """Duplicates by natural key, and ledger rows that do not pair with one registration audit entry."""
    problems = []
    keys = Counter(session.execute(select(Instrument.owner_org_id, Instrument.serial_no, Instrument.instrument_type))
                   .tuples())
    problems += [f"instrument ledger: {key} entered {n} times" for key, n in keys.items() if n > 1]
    rows = Counter((case_id, serial) for case_id, serial in session.execute(
        select(Instrument.filing_case_id, Instrument.serial_no)).tuples())
    announced: Counter[tuple[Any, Any]] = Counter()
    for case_id, after in _audited(session, "register_instruments"):
        for item in (after or {}).get("instruments", []):
            announced[(case_id, item.get("serial_no"))] += 1
    problems += _pairing("instrument", rows, announced, "register_instruments")
    return problems


def document_problems(session: Session) -> list[str]:
    """More than one document for a case, reused numbers, and documents that do not pair with their audit entry."""
    problems = []
    per_case = Counter(session.scalars(select(Document.case_id)))
    problems += [f"case {case_id} issued {n} documents (a verification issues one)"
                 for case_id, n in per_case.items() if n > 1]
    rows = Counter(session.execute(select(Document.case_id, Document.number)).tuples())
    numbers = Counter(number for _, number in rows.elements())
    problems += [f"document number {number} issued {n} times" for number, n in numbers.items() if n > 1]
    issued = _audited(session, "issue_document")
    announced = Counter((case_id, (after or {}).get("number")) for case_id, after in issued)
    problems += _pairing("document", rows, announced, "issue_document")
    return problems


def _audited(session: Session, action: str) -> list[tuple[Any, Any]]:
    return list(session.execute(select(AuditEntry.case_id, AuditEntry.after).where(AuditEntry.action == action))
                .tuples())


def _pairing(what: str, rows: Counter[Any], announced: Counter[Any], action: str) -> list[str]:
    """(case, key) pairs must occur once in the ledger and once in the audit log."""
    problems = []
    for key in sorted(rows.keys() | announced.keys(), key=repr):
        in_rows, in_audit = rows.get(key, 0), announced.get(key, 0)
        if in_audit > 1:
            problems.append(f"{what} {key[1]} of case {key[0]} announced by {in_audit} {action} audit entries")
        if in_rows and not in_audit:
            problems.append(f"{what} {key[1]} of case {key[0]} is in the ledger without a {action} audit entry")
        if in_audit and not in_rows:
            problems.append(f"{what} {key[1]} of case {key[0]} was audited by {action} but is not in the ledger")
    return problems
