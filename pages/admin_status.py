"""Admin: what the served warehouse holds — row counts per table and each source's data date, and
how many cells the suppression rule hid, per query, since the server started."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_number
from tilannekuva.inert import md
from tilannekuva.queries import load_query
from views import labels, loaders, tables
from views.context import open_page

page = open_page("admin_status")
st.title(page.t("page.admin_status"))
st.caption(page.t("admin.version", version=md(loaders.warehouse().version)))

st.header(page.t("admin.sources"))
fresh = loaders.frame(page, "data_freshness")
if fresh.is_empty():
    st.info(page.t("empty.no_sources"))
else:
    tables.show(tables.table(fresh, {"source": ("col.source", "label:source"), "data_as_of": ("col.data_as_of", "date"),
                                     "loaded_at": ("col.loaded_at", "date"), "row_count": "col.rows"}, page.lang))

st.header(page.t("admin.tables"))
counts = loaders.frame(page, "table_row_counts")
st.metric(page.t("admin.total_rows"), fmt_number(counts["row_count"].sum(), page.lang))
tables.show(tables.table(counts.with_columns(technical=pl.col("table_name")), {   # what it holds, then its name
    "table_name": ("col.contents", "label:wtable"), "row_count": "col.rows", "technical": "col.technical_name"},
    page.lang))

st.header(page.t("admin.suppression_header"))
st.markdown(page.t("admin.suppression_settings", threshold=page.settings.suppression_threshold))
if not (stats := loaders.suppression_counts()):
    st.info(page.t("admin.suppression_none"))
else:
    pages = labels.words("page", page.lang)
    hidden = pl.DataFrame([{"query": q, "page": ", ".join(pages.get(p.strip(), p.strip())
                                                          for p in load_query(q).page.split(",")),
                            "loads": n, "hidden": h} for q, (n, h) in sorted(stats.items())])
    tables.show(tables.table(hidden, {"query": ("col.figure", "label:query"), "page": "col.pages",
                                      "loads": "col.loads", "hidden": "col.hidden_cells"}, page.lang))
