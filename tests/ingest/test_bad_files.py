"""Every kind of bad export is rejected with file, row and column named — and nothing changes.

Each case builds its file(s) from a few real rows of the tiny demo city and breaks them one
way. The test loads them into a private copy of the served warehouse and checks that the load
is rejected with the expected problem, that the served version, the file list and the served
bytes are unchanged, and that the load history records the rejection with its problems.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from tilannekuva.ingest.load import ingest
from tilannekuva.ingest.problems import ROWS_LISTED, LoadRejected


def _csv(frame: pl.DataFrame, sep: str = ";") -> str:
    return frame.write_csv(separator=sep)


def _put(tmp: Path, name: str, data: str | bytes) -> Path:
    path = tmp / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _set(frame: pl.DataFrame, column: str, row: int, value) -> pl.DataFrame:
    """`frame` with one cell replaced (the column becomes text, as in a CSV)."""
    values = frame[column].cast(pl.String).to_list()
    values[row] = value
    return frame.with_columns(pl.Series(column, values, dtype=pl.String))


def _xlsx(sheets: dict[str, pl.DataFrame]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as wb:
        for name, frame in sheets.items():
            frame.write_excel(wb, worksheet=name)
    return buffer.getvalue()


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[Callable, Path], list[Path]]
    code: str  # a problem code the rejection must contain
    row: int | None = None  # ... at this row (CSV line / Excel row / Parquet record)
    column: str | None = None  # ... in this column


CONV = "palvelumuotoilu"  # conversation_id, school_year_id, unit_id, theme, held_on, participants
ABS = "poissaolot"


def conv(rows):
    return rows(CONV, 12)


CASES = [
    Case(
        "wrong delimiter |", lambda r, t: [_put(t, "palvelumuotoilu.csv", _csv(conv(r), "|"))], "wrong_delimiter", row=1
    ),
    Case(
        "wrong delimiter tab",
        lambda r, t: [_put(t, "palvelumuotoilu.csv", _csv(conv(r), "\t"))],
        "wrong_delimiter",
        row=1,
    ),
    Case(
        "UTF-16 encoding",
        lambda r, t: [_put(t, "palvelumuotoilu.csv", _csv(conv(r)).encode("utf-16"))],
        "utf16_or_binary",
    ),
    Case(
        "neither UTF-8 nor Windows-1252",
        lambda r, t: [
            _put(
                t,
                "palvelumuotoilu.csv",
                _csv(conv(r)).encode("cp1252").replace(b"tiedonhallinta", b"tiedon\x81hallinta", 1),
            )
        ],
        "bad_encoding",
    ),
    Case(
        "missing column",
        lambda r, t: [_put(t, "palvelumuotoilu.csv", _csv(conv(r).drop("theme")))],
        "missing_column",
        column="theme",
    ),
    Case(
        "extra column",
        lambda r, t: [_put(t, "palvelumuotoilu.csv", _csv(conv(r).with_columns(kommentti=pl.lit("x"))))],
        "extra_column",
        column="kommentti",
    ),
    Case(
        "renamed column",
        lambda r, t: [_put(t, "palvelumuotoilu.csv", _csv(conv(r).rename({"held_on": "pvm"})))],
        "missing_column",
        column="held_on",
    ),
    Case(
        "duplicate column",
        lambda r, t: [_put(t, "palvelumuotoilu.csv", _csv(conv(r)).replace("participants", "theme", 1))],
        "duplicate_column",
        column="theme",
    ),
    Case(
        "text in a number column",
        lambda r, t: [_put(t, "palvelumuotoilu.csv", _csv(_set(conv(r), "participants", 3, "kolme")))],
        "type_int",
        row=5,
        column="participants",
    ),
    Case(
        "impossible date",
        lambda r, t: [_put(t, "palvelumuotoilu.csv", _csv(_set(conv(r), "held_on", 0, "2026-02-30")))],
        "type_date",
        row=2,
        column="held_on",
    ),
    Case("empty file", lambda r, t: [_put(t, "palvelumuotoilu.csv", b"")], "empty_file"),
    Case("blank lines only", lambda r, t: [_put(t, "palvelumuotoilu.csv", "\n\n")], "empty_file"),
    Case("header only", lambda r, t: [_put(t, "palvelumuotoilu.csv", _csv(conv(r).head(0)))], "header_only"),
    Case(
        "duplicate key",
        lambda r, t: [_put(t, "palvelumuotoilu.csv", _csv(pl.concat([conv(r), conv(r).head(1)])))],
        "duplicate_key",
        column="conversation_id",
    ),
    Case(
        "unknown unit",
        lambda r, t: [_put(t, "palvelumuotoilu.csv", _csv(_set(conv(r), "unit_id", 4, "999999")))],
        "unknown_reference",
        row=6,
        column="unit_id",
    ),
    Case(
        "unknown pupil",
        lambda r, t: [_put(t, "poissaolot.csv", _csv(_set(r(ABS, 10), "pupil_id", 2, "98765432")))],
        "unknown_reference",
        row=4,
        column="pupil_id",
    ),
    Case(
        "date in the future",
        lambda r, t: [_put(t, "palvelumuotoilu.csv", _csv(_set(conv(r), "held_on", 1, "2099-01-01")))],
        "above_max",
        row=3,
        column="held_on",
    ),
    Case(
        "date before any data",
        lambda r, t: [_put(t, "palvelumuotoilu.csv", _csv(_set(conv(r), "held_on", 1, "1.1.1970")))],
        "below_min",
        row=3,
        column="held_on",
    ),
    Case(
        "negative count",
        lambda r, t: [_put(t, "palvelumuotoilu.csv", _csv(_set(conv(r), "participants", 2, "-3")))],
        "below_min",
        row=4,
        column="participants",
    ),
    Case(
        "negative hours (decimal comma)",
        lambda r, t: [_put(t, "poissaolot.csv", _csv(_set(r(ABS, 10), "absence_hours", 0, "-1,5")))],
        "below_min",
        row=2,
        column="absence_hours",
    ),
    Case(
        "truncated CSV",
        lambda r, t: [_put(t, "palvelumuotoilu.csv", _csv(conv(r)).rstrip("\n").rsplit(";", 2)[0])],
        "truncated",
        row=13,
    ),
    Case(
        "row with too many fields",
        lambda r, t: [
            _put(t, "palvelumuotoilu.csv", _csv(conv(r)).replace("\n", ";ylim\n", 3).replace(";ylim", "", 2))
        ],
        "field_count",
        row=3,
    ),  # the third line break got the extra field
    Case(
        "truncated Parquet", lambda r, t: [_put(t, "palvelumuotoilu.parquet", _parquet(conv(r))[:300])], "bad_parquet"
    ),
    Case("damaged xlsx", lambda r, t: [_put(t, "palvelumuotoilu.xlsx", _xlsx({CONV: conv(r)})[:900])], "bad_workbook"),
    Case(
        "xlsx with several sheets",
        lambda r, t: [_put(t, "palvelumuotoilu.xlsx", _xlsx({"Taul1": conv(r), "Ohje": pl.DataFrame({"a": [1]})}))],
        "several_sheets",
    ),
    Case("file for another table", lambda r, t: [_put(t, "poissaolot.csv", _csv(conv(r)))], "wrong_table"),
    Case("unknown file name", lambda r, t: [_put(t, "raportti_lokakuu.csv", _csv(conv(r)))], "unknown_source"),
    Case(
        "unsupported format", lambda r, t: [_put(t, "palvelumuotoilu.json", conv(r).write_json())], "unsupported_format"
    ),
    Case(
        "value not allowed",
        lambda r, t: [_put(t, "tukipaatokset.csv", _csv(_set(r("tukipaatokset", 8), "regime", 1, "vanha")))],
        "not_allowed",
        row=3,
        column="regime",
    ),
    Case(
        "required value missing",
        lambda r, t: [_put(t, "palvelumuotoilu.csv", _csv(_set(conv(r), "theme", 0, "")))],
        "missing_value",
        row=2,
        column="theme",
    ),
    Case(
        "unexcused hours over total",
        lambda r, t: [
            _put(
                t,
                "poissaolot.csv",
                _csv(
                    r(ABS, 10).with_columns(
                        unexcused_hours=pl.when(pl.int_range(pl.len()) == 1)
                        .then(pl.col("absence_hours") + 5)
                        .otherwise(pl.col("unexcused_hours"))
                    )
                ),
            )
        ],
        "rule_unexcused_within_total",
        row=3,
    ),
    Case(
        "support ends before it starts",
        lambda r, t: [_put(t, "tukipaatokset.csv", _csv(_set(r("tukipaatokset", 8), "valid_to", 0, "2000-01-01")))],
        "rule_valid_to_after_from",
        row=2,
    ),
    Case(
        "Parquet column of the wrong type",
        lambda r, t: [_put(t, "palvelumuotoilu.parquet", _parquet(_set(conv(r), "participants", 0, "viisi")))],
        "type_int",
        row=1,
        column="participants",
    ),
    Case(
        "bad file among good ones: all rejected",
        lambda r, t: [
            _put(t, "yksikot.csv", _csv(r("yksikot", 50).with_columns(name=pl.col("name") + " (uusi)"))),
            _put(t, "palvelumuotoilu.csv", _csv(_set(conv(r), "unit_id", 0, "424242"))),
        ],
        "unknown_reference",
        row=2,
        column="unit_id",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_file_is_rejected_and_nothing_changes(case, source_rows, home, history, fingerprint, tmp_path):
    files = case.make(source_rows, tmp_path)
    before = fingerprint(home / "warehouse")
    with pytest.raises(LoadRejected) as rejected:
        ingest(files, home / "warehouse", history, run_by="test")
    problems = rejected.value.problems
    matching = [p for p in problems if p.code == case.code]
    assert matching, f"expected {case.code}, got {[(p.code, p.row, p.column) for p in problems]}"
    assert all(p.file in {f.name for f in files} for p in problems)
    if case.row is not None:
        assert case.row in {p.row for p in matching}
    if case.column is not None:
        assert any(case.column in (p.column or "") for p in matching)
    for lang in ("fi", "sv", "en"):  # every problem renders as a sentence, no missing keys
        assert all("ingest.problem" not in p.render(lang) for p in problems)
    assert fingerprint(home / "warehouse") == before
    last = history.loads(1).row(0, named=True)
    assert last["result"] == "rejected"
    recorded = [p for f in history.files(last["load_id"]) for p in f.problems]
    assert {p.code for p in recorded} == {p.code for p in problems}


def test_every_problem_is_listed_not_only_the_first(source_rows, home, history, tmp_path):
    frame = conv(source_rows)
    frame = _set(frame, "participants", 1, "-2")
    frame = _set(frame, "unit_id", 2, "999999")
    frame = _set(frame, "held_on", 3, "huomenna")
    path = _put(tmp_path, "palvelumuotoilu.csv", _csv(frame))
    with pytest.raises(LoadRejected) as rejected:
        ingest([path], home / "warehouse", history, run_by="test")
    found = {(p.code, p.row, p.column) for p in rejected.value.problems}
    assert {("below_min", 3, "participants"), ("unknown_reference", 4, "unit_id"), ("type_date", 5, "held_on")} <= found


def test_many_bad_rows_are_counted_after_the_first_few(source_rows, home, history, tmp_path):
    frame = source_rows(ABS, 40).with_columns(unit_id=pl.lit(999_999))
    path = _put(tmp_path, "poissaolot.csv", _csv(frame))
    with pytest.raises(LoadRejected) as rejected:
        ingest([path], home / "warehouse", history, run_by="test")
    listed = [p for p in rejected.value.problems if p.code == "unknown_reference"]
    more = [p for p in rejected.value.problems if p.code == "more_rows"]
    assert len(listed) == ROWS_LISTED
    assert more and more[0].values["count"] == 40 - ROWS_LISTED
    assert "30" in more[0].render("fi")
