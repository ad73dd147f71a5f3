"""The demo world for ``qiangjian demo-world``: cases at every stage managers watch, made by the real engine.

Owns the demo's clock and driver (``driver``) and its stories (``stages``). Built once per database: a second
run finds the demo's instruments and does nothing. Uses the engine's commands only (owner actions, task
completions, the timer sweep) with the clock set to past working days; never writes case state itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, select

from engine.bootstrap import System
from engine.store.models import Instrument

from .driver import DemoClock, World
from .stages import SERIAL_PREFIX, build

__all__ = ["DemoClock", "build_demo_world", "demo_world_present"]


def demo_world_present(system: System) -> bool:
    """Whether the demo world was built in this database already (its instruments are in the ledger)."""
    with system.readers() as session:
        query = select(func.count()).select_from(Instrument).where(Instrument.serial_no.startswith(SERIAL_PREFIX))
        return bool(session.scalar(query))


def build_demo_world(system: System, clock: DemoClock, real_now: datetime) -> Iterator[str]:
    """Build the world on ``system`` (whose engine reads ``clock``), ending at ``real_now``; summary lines.

    The demo organisations must be loaded. Does nothing (one line says so) when the world is there already.
    """
    if demo_world_present(system):
        yield "Demo world already present; nothing added"
        return
    yield from build(World(system, clock, real_now))
