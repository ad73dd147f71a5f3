"""A Shenyang city institute inbox to look at: overdue, near-due, later and undated tasks, some claimed.

The web app's clock stands at Monday 2026-09-28 09:00 (tests/web/conftest.py).
"""

from __future__ import annotations

from flask import Flask

from tests.engine.inbox_world import actor, add_task, add_user
from web.system import get_system

ROWS = (  # name, spec, title, due, county, type, owner, claimed by
    ("overdue_fuel", "verify", "检定并出具结果", "2026-09-25T23:59:59+08:00", "210181", "fuel_dispenser",
     "210181-xinmin_gas", None),
    ("overdue_scale", "verify", "检定并出具结果", "2026-09-27T23:59:59+08:00", "210102", "electronic_scale",
     "210102-heping_market", "colleague"),
    ("today", "record_receipt", "登记收到受检器具", "2026-09-28T17:00:00+08:00", "210123", "sphygmomanometer",
     "210123-kangping_hospital", None),
    ("near_mine", "verify", "检定并出具结果", "2026-09-30T23:59:59+08:00", "210381", "water_meter",
     "210381-haicheng_water", "me"),
    ("later", "verify", "检定并出具结果", "2026-10-12T23:59:59+08:00", "210181", "fuel_dispenser",
     "210181-xinmin_gas", None),
    ("undated", "accept_application", "受理检定申请", None, "210281", "sphygmomanometer",
     "210281-wafangdian_hospital", None),
)


def seed_inbox(app: Flask) -> dict[str, str]:
    """The tasks above (name → task id), a colleague (sy_colleague) and a supervisor (sy_supervisor)."""
    with app.app_context(), get_system().sessions() as s, s.begin():
        people = {"me": actor(s, "shenyang_institute").user_id,
                  "colleague": add_user(s, "sy_colleague", "210100-institute", "institute", "李娜").id, None: None}
        add_user(s, "sy_supervisor", "210100-institute", "institute,manager", "王科长")
        add_user(s, "sy_filing_only", "210100-institute", "filing_handler", "赵备案")
        ids = {}
        for name, spec, title, due, county, kind, owner, claimed in ROWS:
            task = add_task(s, spec=spec, title=title, due=due, county=county, kind=kind, owner=owner,
                            assignee=people[claimed], case_title="申请检定")
            ids[name] = task.id
        ids["other_org"] = add_task(s, org="210200-institute", due="2026-09-20T09:00:00+08:00").id
    return ids
