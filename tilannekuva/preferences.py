"""Per-user preferences that outlive a session — today the UI language.

A small SQLite file in the state directory (data/state/preferences.sqlite), outside the versioned
warehouse, so a data load or a demo rebuild does not forget them. Only known languages are stored.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from tilannekuva.files import private_dir, private_file
from tilannekuva.i18n import LANGUAGES

_SCHEMA = """
create table if not exists preference (
    username text primary key,
    language text not null,
    updated_at real not null
);
"""


class Preferences:
    def __init__(self, path: Path):
        self.path = Path(path)
        private_dir(self.path.parent)
        private_file(self.path)  # 0600: readable by the service account only
        with self._connect() as con:
            con.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def language(self, username: str) -> str | None:
        """The language `username` last chose, or None if they never chose one."""
        with self._connect() as con:
            row = con.execute("select language from preference where username = ?", (username,)).fetchone()
        return row[0] if row and row[0] in LANGUAGES else None

    def set_language(self, username: str, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        with self._connect() as con:
            con.execute(
                "insert into preference (username, language, updated_at) values (?, ?, ?) "
                "on conflict (username) do update set language = excluded.language, "
                "updated_at = excluded.updated_at",
                (username, language, time.time()),
            )

    def forget(self, username: str) -> None:
        """A removed user's stored language goes with them."""
        with self._connect() as con:
            con.execute("delete from preference where username = ?", (username,))
