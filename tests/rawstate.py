"""Behind a store's back: a connection straight to its tables, as someone who can write the state database
has (the tampering tests), on either backend — the SQLite file, or the store's schema in PostgreSQL.

`state_db(home, name)` is where an app on the data directory `home` keeps the store `name` now.
`Raw(db)` speaks SQLite's words (`?` parameters; tilannekuva.statedb.pg_sql translates for PostgreSQL),
commits every statement at once, and `drop_trigger(name, table)` removes a trigger on either backend.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from tilannekuva.statedb import StateDB, pg_sql


def state_db(home: Path, name: str) -> StateDB:
    """The store `name` of the app running on the data directory `home`, where the app keeps it:
    TILANNEKUVA_STATE_URL's PostgreSQL (the demo_env fixture sets it), else home/state/<name>.sqlite."""
    url = os.environ.get("TILANNEKUVA_STATE_URL", "")
    return StateDB(url, name) if url else StateDB(home / "state" / f"{name}.sqlite")


class Raw:
    def __init__(self, db: StateDB):
        self.backend = db.backend
        if db.backend == "sqlite":
            self.conn = sqlite3.connect(db.path, isolation_level=None)
        else:
            import psycopg

            self.conn = psycopg.connect(db.url, autocommit=True)
            self.conn.execute(f'set search_path to "{db.schema}"')

    def execute(self, sql: str, params=()):
        if self.backend == "sqlite":
            return self.conn.execute(sql, params)
        return self.conn.execute(pg_sql(sql, with_params=bool(params)), tuple(params) if params else None)

    def drop_trigger(self, name: str, table: str) -> None:
        self.execute(f"drop trigger {name}" if self.backend == "sqlite" else f"drop trigger {name} on {table}")

    def dump(self) -> str:
        """Everything the store's tables hold, as text (SQLite's dump; every row of every table in PostgreSQL)."""
        if self.backend == "sqlite":
            return "\n".join(self.conn.iterdump())
        tables = [
            r[0] for r in self.conn.execute("select tablename from pg_tables where schemaname = current_schema()")
        ]
        return "\n".join(str(row) for table in tables for row in self.conn.execute(f'select * from "{table}"'))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Raw:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
