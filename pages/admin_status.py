"""Admin: what the served warehouse holds — row counts per table and each source's data date."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_date, fmt_number, t
from tilannekuva.inert import md
from tilannekuva.queries import load_query
from views import loaders, session, widgets

principal = session.require_page("admin_status")
lang = session.language()

st.title(t("page.admin_status", lang))
st.caption(t("admin.version", lang, version=md(loaders.warehouse().version)))

fresh = loaders.frame(principal, "data_freshness")
st.header(t("admin.sources", lang))
if fresh.is_empty():
    st.info(t("empty.no_sources", lang))
else:
    st.dataframe(fresh.select(
        pl.col("source").alias(t("col.source", lang)),
        pl.col("data_as_of").map_elements(lambda d: fmt_date(d, lang), return_dtype=pl.String)
        .alias(t("col.data_as_of", lang)),
        pl.col("loaded_at").map_elements(lambda d: fmt_date(d, lang), return_dtype=pl.String)
        .alias(t("col.loaded_at", lang)),
        pl.col("row_count").alias(t("col.rows", lang)),
    ), hide_index=True, placeholder="–", column_config={t("col.rows", lang): st.column_config.NumberColumn(format="localized")})

counts = loaders.frame(principal, "table_row_counts")
st.header(t("admin.tables", lang))
st.metric(t("admin.total_rows", lang), fmt_number(counts["row_count"].sum(), lang))
st.dataframe(counts.select(pl.col("table_name").alias(t("col.table", lang)),
                           pl.col("row_count").alias(t("col.rows", lang))), hide_index=True, placeholder="–",
             column_config={t("col.rows", lang): st.column_config.NumberColumn(format="localized")})

st.header(t("admin.suppression_header", lang))
st.markdown(t("admin.suppression_settings", lang, threshold=session.settings().suppression_threshold))
stats = loaders.suppression_counts()
if not stats:
    st.info(t("admin.suppression_none", lang))
else:
    widgets.show_table(pl.DataFrame(
        [{"query": q, "page": load_query(q).page, "loads": n, "hidden": h} for q, (n, h) in sorted(stats.items())]
    ).rename({"query": t("col.query", lang), "page": t("col.page", lang), "loads": t("col.loads", lang),
              "hidden": t("col.hidden_cells", lang)}))
