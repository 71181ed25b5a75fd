"""Admin: data loads — each source's data date, the load history with every rejected file's
problems, and the source contracts the loads are checked against."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_date, fmt_number, t
from tilannekuva.inert import md
from tilannekuva.ingest.contracts import CONTRACTS, describe
from views import loaders, session

principal = session.require_page("admin_loads")
lang = session.language()

st.title(t("page.admin_loads", lang))
st.caption(t("loads.how", lang))

st.header(t("loads.sources", lang))
fresh = loaders.frame(principal, "data_freshness")
sources = pl.DataFrame({"source": list(CONTRACTS), "table": [c.table for c in CONTRACTS.values()],
                        "system": [c.system for c in CONTRACTS.values()]})
counts = loaders.frame(principal, "table_row_counts").rename({"table_name": "table", "row_count": "rows"})
sources = sources.join(fresh, on="source", how="left").join(counts, on="table", how="left")
st.dataframe(sources.select(
    pl.col("source").alias(t("col.source", lang)),
    pl.col("system").alias(t("col.system", lang)),
    pl.col("table").alias(t("col.table", lang)),
    pl.col("data_as_of").map_elements(lambda d: fmt_date(d, lang), return_dtype=pl.String)
    .fill_null("–").alias(t("col.data_as_of", lang)),
    pl.col("rows").alias(t("col.rows", lang)),
), hide_index=True, placeholder="–", column_config={t("col.rows", lang): st.column_config.NumberColumn(format="localized")})
st.caption(t("loads.dimensions_note", lang))

st.header(t("loads.history", lang))
history = loaders.load_history()
loads = history.loads(50)
if loads.is_empty():
    st.info(t("empty.no_loads", lang))
else:
    shown = loads.with_columns(
        pl.col("result").map_elements(lambda r: t(f"ingest.result.{r}", lang), return_dtype=pl.String),
        pl.col("started_at").map_elements(lambda d: fmt_date(d, lang, with_time=True), return_dtype=pl.String),
        pl.col("seconds").round(1),
    )
    st.dataframe(shown.select(
        pl.col("load_id").alias("#"),
        pl.col("started_at").alias(t("col.started_at", lang)),
        pl.col("run_by").alias(t("col.run_by", lang)),
        pl.col("result").alias(t("col.result", lang)),
        pl.col("files").alias(t("col.files", lang)),
        pl.col("rows_in").alias(t("col.rows_in", lang)),
        pl.col("rows_accepted").alias(t("col.rows_accepted", lang)),
        pl.col("seconds").alias(t("col.seconds", lang)),
        pl.col("message").alias(t("col.message", lang)),
    ), hide_index=True, placeholder="–", column_config={
        c: st.column_config.NumberColumn(format="localized")
        for c in (t("col.rows_in", lang), t("col.rows_accepted", lang))})
    load_id = st.selectbox(t("loads.pick", lang), loads["load_id"].to_list(), key="load_pick",
                           format_func=lambda i: f"#{i}")
    files = history.files(load_id)
    if files:
        st.dataframe(pl.DataFrame([{
            t("col.file", lang): f.file_name, t("col.source", lang): f.source or "–",
            t("col.result", lang): t(f"ingest.result.{f.result}", lang),
            t("col.rows_in", lang): f.rows_in, t("col.rows_accepted", lang): f.rows_accepted,
            t("col.rows_replaced", lang): f.rows_replaced, t("col.periods", lang): f.periods,
            t("col.checksum", lang): f.sha256[:12],
        } for f in files]), hide_index=True, placeholder="–")
    problems = [p for f in files for p in f.problems]
    if problems:
        st.error(t("loads.rejected", lang, count=fmt_number(len(problems), lang)))
        st.markdown("\n".join(f"- {md(p.render(lang))}" for p in problems))   # names, headers: data

st.header(t("loads.contracts", lang))
name = st.selectbox(t("loads.pick_contract", lang), list(CONTRACTS), key="contract_pick")
contract = CONTRACTS[name]
st.markdown(t("loads.contract_summary", lang, table=md(contract.table), system=md(contract.system),
              mode=t(f"loads.mode.{contract.mode}", lang), keys=md(", ".join(contract.key) or "–"),
              period=md(", ".join(contract.period) or "–")))
st.dataframe(pl.DataFrame(describe(contract)).select(
    pl.col("column").alias(t("col.column", lang)),
    pl.col("type").alias(t("col.type", lang)),
    pl.col("required").alias(t("col.required", lang)),
    pl.col("key").alias(t("col.key", lang)),
    pl.col("min").alias(t("col.min", lang)),
    pl.col("max").alias(t("col.max", lang)),
    pl.col("allowed").alias(t("col.allowed", lang)),
    pl.col("reference").alias(t("col.reference", lang)),
), hide_index=True, placeholder="–")
if contract.rules:
    st.caption(t("loads.rules", lang, rules=md(", ".join(r.name for r in contract.rules))))
