"""What was wrong with an export: file, row, column, a message code and its values.

Problems are data, rendered through the translation layer (`ingest.problem.<code>`), so the
admin reads them in their language on the page and on the command line alike.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from tilannekuva.i18n import DEFAULT_LANGUAGE, t

# Listing every failing row of a 20-million-row file helps nobody: each (column, kind of problem)
# lists its first rows and then says how many more rows have the same problem.
ROWS_LISTED = 10


@dataclass(frozen=True)
class Problem:
    file: str
    code: str
    row: int | None = None  # as the user finds it: CSV line / Excel row (header = 1), Parquet record
    column: str | None = None
    values: dict = field(default_factory=dict)

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return t(f"ingest.problem.{self.code}", lang, column=self.column or "", **self.values)

    def render(self, lang: str = DEFAULT_LANGUAGE) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(t("ingest.where.row", lang, row=self.row))
        if self.column:
            where.append(t("ingest.where.column", lang, column=self.column))
        return f"{', '.join(where)}: {self.message(lang)}"

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Problem:
        return cls(**data)


def dumps(problems: list[Problem]) -> str:
    return json.dumps([p.to_json() for p in problems], ensure_ascii=False, default=str)


def loads(text: str | None) -> list[Problem]:
    return [Problem.from_json(d) for d in json.loads(text or "[]")]


class LoadRejected(Exception):
    """The load changed nothing; `problems` says why (every problem found, per file)."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems
