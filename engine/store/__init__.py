"""Store: the tables (models), the database and its sessions (db), the Alembic migrations that make the tables
(schema, migrations/), the errors every wing raises, the status enums, and the bounds of stored values.

The lowest wing: it imports no other. Other wings use ``models``, ``db``, ``errors``, ``status`` and ``bounds``.
"""
