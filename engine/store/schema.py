"""Create or upgrade the database schema with Alembic (the only way tables are made)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine as SAEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at our migrations; no alembic.ini file is needed."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(db: SAEngine) -> None:
    """Bring the database to the newest schema revision."""
    cfg = alembic_config()
    with db.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
