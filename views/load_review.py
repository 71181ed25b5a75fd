"""The admin's review of the data loads (pages/admin_loads.py): each source's data date and row count,
the load history with every rejected file's problems, and the source contracts the loads are checked
against. Loading itself is the core's job (tilannekuva.ingest)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_date, fmt_number
from tilannekuva.inert import md
from tilannekuva.ingest.contracts import CONTRACTS, describe, sources_frame
from tilannekuva.ingest.history import files_frame
from views import labels, loaders, tables
from views.context import PageContext

SOURCE_COLUMNS = {"source": ("col.source", "label:source"), "system": "col.system",
                  "data_as_of": ("col.data_as_of", "date"), "rows": "col.rows"}
LOAD_COLUMNS = {"load_id": "col.number", "started_at": ("col.started_at", "datetime"), "run_by": "col.run_by",
                "result": ("col.result", "label:ingest.result"), "files": "col.files", "rows_in": "col.rows_in",
                "rows_accepted": "col.rows_accepted", "seconds": ("col.seconds", "duration"), "message": "col.message"}
FILE_COLUMNS = {"file_name": "col.file", "source": ("col.source", "label:source"),
                "result": ("col.result", "label:ingest.result"),
                "rows_in": "col.rows_in", "rows_accepted": "col.rows_accepted", "rows_replaced": "col.rows_replaced",
                "periods": "col.periods", "checksum": "col.checksum"}
CONTRACT_COLUMNS = {"column": "col.column", "type": ("col.type", "label:ctype"), "required": "col.required",
                    "key": "col.key",
                    "min": "col.min", "max": "col.max", "allowed": "col.allowed", "reference": "col.reference"}


def sources(page: PageContext) -> None:
    """Every source with its system, table, data date and the table's row count."""
    st.header(page.t("loads.sources"))
    counts = loaders.frame(page, "table_row_counts").rename({"table_name": "table", "row_count": "rows"})
    by_source = sources_frame().join(loaders.frame(page, "data_freshness"), on="source", how="left").join(
        counts, on="table", how="left")
    tables.show(tables.table(by_source, SOURCE_COLUMNS, page.lang))
    st.caption(page.t("loads.dimensions_note"))


def history(page: PageContext) -> None:
    """The latest 50 loads; for the one picked, its files and every problem of a rejected file."""
    st.header(page.t("loads.history"))
    loads_on_record = loaders.load_history()
    if (loads := loads_on_record.loads(50)).is_empty():
        st.info(page.t("empty.no_loads"))
        return
    tables.show(tables.table(loads, LOAD_COLUMNS, page.lang))
    load_id = st.selectbox(page.t("loads.pick"), loads["load_id"].to_list(), key="load_pick",
                           format_func=lambda i: f"#{i}", placeholder=page.t("filter.choose"))
    if files := loads_on_record.files(load_id):
        tables.show(tables.table(files_frame(files), FILE_COLUMNS, page.lang))
    if problems := [p for f in files for p in f.problems]:
        st.error(page.t("loads.rejected", count=fmt_number(len(problems), page.lang)))
        st.markdown("\n".join(f"- {md(p.render(page.lang))}" for p in problems))   # names, headers: data


def contracts(page: PageContext) -> None:
    """The picked source contract: its table, system, mode, key and period, its columns and rules."""
    st.header(page.t("loads.contracts"))
    sources = labels.words("source", page.lang)
    name = st.selectbox(page.t("loads.pick_contract"), list(CONTRACTS), key="contract_pick",
                        format_func=lambda source: sources.get(source, source),
                        placeholder=page.t("filter.choose"))
    contract = CONTRACTS[name]
    table = labels.words("wtable", page.lang).get(contract.table, contract.table)
    st.markdown(page.t("loads.contract_summary", table=md(f"{table} ({contract.table})"), system=md(contract.system),
                       mode=page.t(f"loads.mode.{contract.mode}"), keys=md(", ".join(contract.key) or "–"),
                       period=md(", ".join(contract.period)) if contract.period else page.t("loads.no_period")))
    rows = [{**row, "min": bound(column.min, page.lang), "max": bound(column.max, page.lang)}
            for row, column in zip(describe(contract), contract.columns, strict=True)]
    tables.show(tables.table(pl.DataFrame(rows), CONTRACT_COLUMNS, page.lang))
    if contract.rules:
        rules = labels.words("loadrule", page.lang)
        st.caption(page.t("loads.rules", rules=md("; ".join(rules.get(r.name, r.name) for r in contract.rules))))


def bound(value: object, lang: str) -> str | None:
    """A contract's lower or upper bound as the reader writes it: 0,5 and 1.1.2000 in Finnish (contracts.describe
    writes Python's '0.5' and '2000-01-01', for the generated docs)."""
    if value is None:
        return None
    if isinstance(value, dt.date | dt.datetime):
        return fmt_date(value, lang)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return fmt_number(value, lang, 0 if float(value).is_integer() else len(repr(float(value)).split(".")[1]))
    return str(value)
