"""Check a typed export against its contract with dataframely, and say every problem found."""

from __future__ import annotations

import datetime as dt

import polars as pl

from tilannekuva.ingest.contracts import ROW, Contract, Known, schema_for
from tilannekuva.ingest.problems import ROWS_LISTED, Problem

# dataframely's rule names -> our problem codes (column rules are "<column>|<rule>")
RULE_CODES = {
    "nullability": "missing_value",
    "min_length": "missing_value",
    "min": "below_min",
    "max": "above_max",
    "check__allowed": "not_allowed",
    "check__reference": "unknown_reference",
}


def validate(
    file_name: str,
    first_row: int,
    typed: pl.DataFrame,
    unparsed: pl.DataFrame,
    contract: Contract,
    known: Known,
    today: dt.date,
) -> list[Problem]:
    """Problems in `typed` (rows as numbered in the file); cells in `unparsed` were reported already."""
    schema = schema_for(contract, known, today)
    _, failure = schema.filter(typed.with_row_index(ROW), cast=False)
    counts = failure.counts()
    if not counts:
        return []
    details = failure.details().sort(ROW)  # the failing rows only, with a column per rule
    problems: list[Problem] = []
    for rule in counts:
        column, _, kind = rule.partition("|") if "|" in rule else (None, "", rule)
        if kind == "dtype":
            continue  # typed by `coerce`; a failed parse is a type problem already
        code = RULE_CODES.get(kind, "duplicate_key" if kind == "primary_key" else f"rule_{kind}")
        bad = pl.col(rule) == "invalid"
        if column and kind in ("nullability", "min_length"):
            bad = bad & ~pl.col(ROW).is_in(unparsed.select(pl.arg_where(pl.col(column))).to_series().implode())
        rows = details.filter(bad)[ROW]
        if rows.len() == 0:
            continue
        shown_cols = [column] if column else list(_rule_columns(contract, kind))
        sample = typed.select(shown_cols).gather(rows.head(ROWS_LISTED))
        for index, values in zip(rows.head(ROWS_LISTED).to_list(), sample.iter_rows(), strict=True):
            shown = ", ".join("" if v is None else _fmt(v) for v in values)
            problems.append(
                Problem(
                    file_name,
                    code,
                    row=index + first_row,
                    column=column or ", ".join(shown_cols),
                    values=_limits(contract, column, kind, today) | {"value": shown},
                )
            )
        if rows.len() > ROWS_LISTED:
            problems.append(
                Problem(
                    file_name,
                    "more_rows",
                    column=column or ", ".join(shown_cols),
                    values={"count": rows.len() - ROWS_LISTED, "code": code},
                )
            )
    return problems


def _rule_columns(contract: Contract, kind: str) -> tuple[str, ...]:
    if kind == "primary_key":
        return contract.key
    return next((r.columns for r in contract.rules if r.name == kind), ())


def _limits(contract: Contract, column: str | None, kind: str, today: dt.date) -> dict:
    if not column:
        return {}
    col = contract.column(column)
    if kind == "min":
        return {"limit": _fmt(col.min)}
    if kind == "max":
        return {"limit": _fmt(today if col.max == "today" else col.max)}
    if kind == "check__allowed":
        return {"allowed": ", ".join(col.allowed or ())}
    if kind == "check__reference":
        return {"target": col.ref}
    return {}


def _fmt(value) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
