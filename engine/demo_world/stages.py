"""The demo world's cases: one story per stage a manager watches, spread over 沈阳, 大连 and 鞍山.

Each story is a list of steps users took on past working days (``k`` = working days before today); all
stories' steps run in the order of their days, and the timer sweep runs before every step, so a
verification left past its 7 working days escalates to the institute's same-level bureau, an application
left unaccepted past 3 escalates, and so on, exactly as the diagrams say. Serial numbers start with ``DW-``:
their presence is how a second run knows the world is there already.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from engine.calendar.workdays import add_months

from .driver import World

SERIAL_PREFIX = "DW-"

_NAMES = {"electronic_scale": "电子计价秤", "sphygmomanometer": "血压计", "gas_detector": "可燃气体检测报警器",
          "speed_radar": "机动车测速仪", "fuel_dispenser": "燃油加油机", "water_meter": "水表",
          "gas_meter": "燃气表", "pressure_gauge": "压力表"}
_PURPOSES = {"sphygmomanometer": "medical_health", "gas_detector": "safety_protection",
             "pressure_gauge": "safety_protection", "speed_radar": "safety_protection"}
# What each owner filed a month ago (serial -> type), and who accepted the filing.
_LEDGER = {
    "xinmin_gas": ("xinmin_institute", {"DW-XM-RADAR": "speed_radar", "DW-XM-SCALE": "electronic_scale",
                                        "DW-XM-FUEL": "fuel_dispenser"}),
    "heping_market": ("shenyang_institute", {"DW-HP-SCALE": "electronic_scale"}),
    "kangping_hospital": ("kangping_bureau", {"DW-KP-BP": "sphygmomanometer", "DW-KP-PG": "pressure_gauge"}),
    "wafangdian_hospital": ("wafangdian_institute", {"DW-WF-BP1": "sphygmomanometer", "DW-WF-BP2": "sphygmomanometer",
                                                     "DW-WF-GAS": "gas_detector", "DW-WF-PG": "pressure_gauge"}),
    "haicheng_water": ("haicheng_institute", {"DW-HC-WM": "water_meter", "DW-HC-GM": "gas_meter",
                                              "DW-HC-PG": "pressure_gauge", "DW-HC-GM2": "gas_meter"}),
}
_REFUSAL = "本所该类标准装置送上级检定，暂时无法开展检定"
_RETURN = "器具安装位置填写不完整，请补充具体位置"
_EXTENSION = "标准装置送上级检定，需延长检定期限"

Step = tuple[int, Callable[[], object]]


def item(serial: str, instrument_type: str) -> dict[str, Any]:
    """One row of a filing list."""
    return {"name": _NAMES[instrument_type], "model": "DW-1", "serial_no": serial,
            "instrument_type": instrument_type, "category": "working", "in_catalogue": True,
            "purpose": _PURPOSES.get(instrument_type, "trade_settlement"), "location": "一号位"}


def build(w: World) -> list[str]:
    """Run every story's steps in the order of their days, then sweep at today's time; summary lines."""
    lines: list[str] = []
    steps = _ledger(w, lines) + _verifications(w, lines) + _applications(w, lines) + _filings(w, lines)
    for k, step in sorted(steps, key=lambda s: -s[0]):  # stable: one story's steps of a day stay in order
        w.at(k)
        step()
    lines.append(f"Swept at {w.real_now:%Y-%m-%d %H:%M} UTC: {w.finish()} more timers fired")
    return lines


def _ledger(w: World, lines: list[str]) -> list[Step]:
    def file_and_accept(owner: str, handler: str, serials: dict[str, str]) -> None:
        case_id = w.file(owner, [item(serial, kind) for serial, kind in serials.items()])
        w.complete(case_id, "review_filing", handler, {"filing_decision": "accept"})

    count = sum(len(s) for _h, s in _LEDGER.values())
    lines.append(f"Ledger: {len(_LEDGER)} owners filed {count} instruments on {w.day(25)}, accepted")
    return [(25, partial(file_and_accept, owner, handler, serials)) for owner, (handler, serials) in _LEDGER.items()]


def _received(w: World, owner: str, serial: str, institute: str, k: int, cases: dict[str, int]) -> list[Step]:
    """Apply, accept and record receipt on working day ``k``: the verification's 7 working days start."""
    def run() -> None:
        case_id = w.apply(owner, serial)
        w.complete(case_id, "accept_application", institute, {"acceptance": "accept"})
        w.complete(case_id, "record_receipt", institute, {"received_on": w.day(k).isoformat()})
        cases[serial] = case_id
    return [(k, run)]


def _verifications(w: World, lines: list[str]) -> list[Step]:
    """Late verifications (escalated by the sweep), extension requests at the owner, a finished and a parked case."""
    cases: dict[str, int] = {}
    steps: list[Step] = []
    for owner, serial, institute, k, who in (
            ("heping_market", "DW-HP-SCALE", "shenyang_institute", 13, "沈阳市计量测试研究院 → 沈阳市局"),
            ("xinmin_gas", "DW-XM-RADAR", "liaoning_institute", 13, "辽宁省计量科学研究院 → 省局"),
            ("wafangdian_hospital", "DW-WF-BP1", "wafangdian_institute", 12, "瓦房店市计量检定测试所 → 瓦房店市局"),
            ("haicheng_water", "DW-HC-WM", "haicheng_institute", 11, "海城市计量检定测试所 → 海城市局")):
        steps += _received(w, owner, serial, institute, k, cases)
        lines.append(f"Verification overdue, escalated: {serial} received {w.day(k)} ({who})")
    for owner, serial, institute, k in (("xinmin_gas", "DW-XM-FUEL", "shenyang_institute", 4),
                                        ("wafangdian_hospital", "DW-WF-PG", "wafangdian_institute", 3)):
        steps += _received(w, owner, serial, institute, k, cases)
        steps.append((1, partial(_ask_extension, w, cases, serial, institute, add_months(w.day(1), 1))))
        lines.append(f"Extension unanswered: {serial} asked {w.day(1)}, {owner} answers")
    steps += _received(w, "wafangdian_hospital", "DW-WF-BP2", "wafangdian_institute", 6, cases)
    steps.append((4, lambda: w.complete(cases["DW-WF-BP2"], "verify", "wafangdian_institute", {
        "action": "result", "outcome": "pass", "verified_on": w.day(4).isoformat(), "fee": 0,
        "certificate_no": "LNJD-DW-WF-BP2", "next_due": add_months(w.day(4), 12).isoformat()})))
    lines.append(f"Finished: DW-WF-BP2 verified {w.day(4)}, certificate LNJD-DW-WF-BP2")
    # The owner agrees to a date in a year the working-day calendar does not hold yet: the new reminder cannot
    # be computed, the step fails and the case is parked in error until an administrator loads that year and
    # a manager retries it. Any agreed date past the loaded calendar ends this way.
    agreed = date(w.unloaded_year, 1, 15)
    steps += _received(w, "haicheng_water", "DW-HC-PG", "haicheng_institute", 5, cases)
    steps.append((4, partial(_ask_extension, w, cases, "DW-HC-PG", "haicheng_institute", agreed)))
    steps.append((3, partial(_agree, w, cases, lines)))
    return steps


def _ask_extension(w: World, cases: dict[str, int], serial: str, institute: str, until: date) -> None:
    w.complete(cases[serial], "verify", institute,
               {"action": "propose_extension", "proposed_deadline": until.isoformat(), "extension_reason": _EXTENSION})


def _agree(w: World, cases: dict[str, int], lines: list[str]) -> None:
    status = w.complete(cases["DW-HC-PG"], "answer_extension", "haicheng_water", {"extension_answer": "agree"})
    lines.append(f"Parked ({status}): DW-HC-PG extension agreed to {w.unloaded_year}-01-15, "
                 "a year the working-day calendar does not hold yet")


def _applications(w: World, lines: list[str]) -> list[Step]:
    """Applications left unaccepted (escalated), refusals waiting for review, one idle at receipt."""
    cases: dict[str, int] = {}

    def apply(owner: str, serial: str) -> None:
        cases[serial] = w.apply(owner, serial)

    def refuse(serial: str, institute: str) -> None:
        w.complete(cases[serial], "accept_application", institute, {"acceptance": "refuse", "refusal_reason": _REFUSAL})

    def accept(serial: str, institute: str) -> None:
        w.complete(cases[serial], "accept_application", institute, {"acceptance": "accept"})

    lines += [f"Idle: DW-KP-PG accepted {w.day(12)}, the instrument never arrived (沈阳市计量测试研究院)",
              f"Refusal awaiting review, overdue: DW-HC-GM refused {w.day(8)} (鞍山市局 reviews)",
              f"Refusal awaiting review: DW-XM-SCALE refused {w.day(2)} (新民市局 reviews)",
              f"Not accepted, escalated: DW-KP-BP applied {w.day(7)} (沈阳市计量测试研究院 → 沈阳市局)",
              f"Not accepted, escalated: DW-WF-GAS applied {w.day(6)} (大连市计量检验检测研究院 → 大连市局)",
              f"Awaiting acceptance: DW-HC-GM2 applied {w.day(1)} (鞍山市计量测试研究院)"]
    return [(12, partial(apply, "kangping_hospital", "DW-KP-PG")),
            (12, partial(accept, "DW-KP-PG", "shenyang_institute")),
            (9, partial(apply, "haicheng_water", "DW-HC-GM")), (8, partial(refuse, "DW-HC-GM", "anshan_institute")),
            (7, partial(apply, "kangping_hospital", "DW-KP-BP")),
            (6, partial(apply, "wafangdian_hospital", "DW-WF-GAS")),
            (3, partial(apply, "xinmin_gas", "DW-XM-SCALE")), (2, partial(refuse, "DW-XM-SCALE", "xinmin_institute")),
            (1, partial(apply, "haicheng_water", "DW-HC-GM2"))]


def _filings(w: World, lines: list[str]) -> list[Step]:
    """Filings waiting for review (one escalated) and filings returned to the owner for correction."""
    cases: dict[str, int] = {}

    def file(owner: str, serial: str, kind: str) -> None:
        cases[serial] = w.file(owner, [item(serial, kind)])

    def give_back(serial: str, handler: str) -> None:
        w.complete(cases[serial], "review_filing", handler, {"filing_decision": "return", "filing_reason": _RETURN})

    steps: list[Step] = [(8, lambda: file("xinmin_gas", "DW-XM-BP", "sphygmomanometer")),
                         (1, lambda: file("kangping_hospital", "DW-KP-WM", "water_meter"))]
    lines += [f"Filing not reviewed, escalated: DW-XM-BP filed {w.day(8)} (新民市计量检定所 → 新民市局)",
              f"Filing awaiting review: DW-KP-WM filed {w.day(1)} (康平县局 handles filings itself)"]
    for owner, serial, kind, handler, k in (
            ("heping_market", "DW-HP-BAL", "electronic_scale", "shenyang_institute", 3),
            ("kangping_hospital", "DW-KP-SCALE", "electronic_scale", "kangping_bureau", 2),
            ("haicheng_water", "DW-HC-WM2", "water_meter", "haicheng_institute", 2)):
        steps += [(k, partial(file, owner, serial, kind)), (k - 1, partial(give_back, serial, handler))]
        lines.append(f"Correction requested: {serial} returned {w.day(k - 1)}, {owner} corrects")
    return steps
