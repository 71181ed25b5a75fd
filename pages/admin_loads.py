"""Admin: data loads — each source's data date, the load history with every rejected file's
problems, and the source contracts the loads are checked against."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_number
from tilannekuva.inert import md
from tilannekuva.ingest.contracts import CONTRACTS, describe, sources_frame
from tilannekuva.ingest.history import files_frame
from views import loaders, tables
from views.context import open_page

SOURCE_COLUMNS = {"source": "col.source", "system": "col.system", "table": "col.table",
                  "data_as_of": ("col.data_as_of", "date"), "rows": "col.rows"}
LOAD_COLUMNS = {"load_id": "col.number", "started_at": ("col.started_at", "datetime"), "run_by": "col.run_by",
                "result": ("col.result", "label:ingest.result"), "files": "col.files", "rows_in": "col.rows_in",
                "rows_accepted": "col.rows_accepted", "seconds": ("col.seconds", "num1"), "message": "col.message"}
FILE_COLUMNS = {"file_name": "col.file", "source": "col.source", "result": ("col.result", "label:ingest.result"),
                "rows_in": "col.rows_in", "rows_accepted": "col.rows_accepted", "rows_replaced": "col.rows_replaced",
                "periods": "col.periods", "checksum": "col.checksum"}
CONTRACT_COLUMNS = {"column": "col.column", "type": "col.type", "required": "col.required", "key": "col.key",
                    "min": "col.min", "max": "col.max", "allowed": "col.allowed", "reference": "col.reference"}

page = open_page("admin_loads")
st.title(page.t("page.admin_loads"))
st.caption(page.t("loads.how"))

st.header(page.t("loads.sources"))
counts = loaders.frame(page, "table_row_counts").rename({"table_name": "table", "row_count": "rows"})
sources = sources_frame().join(loaders.frame(page, "data_freshness"), on="source", how="left").join(
    counts, on="table", how="left")
tables.show(tables.table(sources, SOURCE_COLUMNS, page.lang))
st.caption(page.t("loads.dimensions_note"))

st.header(page.t("loads.history"))
history = loaders.load_history()
if (loads := history.loads(50)).is_empty():
    st.info(page.t("empty.no_loads"))
else:
    tables.show(tables.table(loads, LOAD_COLUMNS, page.lang))
    load_id = st.selectbox(page.t("loads.pick"), loads["load_id"].to_list(), key="load_pick",
                           format_func=lambda i: f"#{i}")
    if files := history.files(load_id):
        tables.show(tables.table(files_frame(files), FILE_COLUMNS, page.lang))
    if problems := [p for f in files for p in f.problems]:
        st.error(page.t("loads.rejected", count=fmt_number(len(problems), page.lang)))
        st.markdown("\n".join(f"- {md(p.render(page.lang))}" for p in problems))   # names, headers: data

st.header(page.t("loads.contracts"))
name = st.selectbox(page.t("loads.pick_contract"), list(CONTRACTS), key="contract_pick")
contract = CONTRACTS[name]
st.markdown(page.t("loads.contract_summary", table=md(contract.table), system=md(contract.system),
                   mode=page.t(f"loads.mode.{contract.mode}"), keys=md(", ".join(contract.key) or "–"),
                   period=md(", ".join(contract.period) or "–")))
tables.show(tables.table(pl.DataFrame(describe(contract)), CONTRACT_COLUMNS, page.lang))
if contract.rules:
    st.caption(page.t("loads.rules", rules=md(", ".join(r.name for r in contract.rules))))
