"""Per-user preferences that outlive a session — today the UI language.

Kept in the state (tilannekuva.statedb: data/state/preferences.sqlite, or the schema tk_preferences in
PostgreSQL), outside the versioned warehouse, so a data load or a demo rebuild does not forget them and every
app process sees the same choice. Only known languages are stored.
"""

from __future__ import annotations

import time
from pathlib import Path

from tilannekuva.i18n import LANGUAGES
from tilannekuva.statedb import StateDB

_SCHEMA = """
create table if not exists preference (
    username text primary key,
    language text not null,
    updated_at real not null
);
"""


class Preferences:
    def __init__(self, where: StateDB | Path | str):
        self.db = StateDB.of(where, "preferences")
        self.path = self.db.path
        self.db.create(_SCHEMA)

    def language(self, username: str) -> str | None:
        """The language `username` last chose, or None if they never chose one."""
        with self.db.connect() as con:
            row = con.execute("select language from preference where username = ?", (username,)).fetchone()
        return row[0] if row and row[0] in LANGUAGES else None

    def set_language(self, username: str, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        with self.db.connect() as con:
            con.execute(
                "insert into preference (username, language, updated_at) values (?, ?, ?) "
                "on conflict (username) do update set language = excluded.language, "
                "updated_at = excluded.updated_at",
                (username, language, time.time()),
            )

    def forget(self, username: str) -> None:
        """A removed user's stored language goes with them."""
        with self.db.connect() as con:
            con.execute("delete from preference where username = ?", (username,))
