"""Sector leadership: training reach (M1) city-wide by sector over five years, and the
children and pupils by district and language (suppressed under the threshold)."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_number, fmt_percent, t
from views import figures, loaders, session, widgets

principal = session.require_page("sector_training_reach")
lang = session.language()
year = widgets.school_year_filter(principal)

st.title(t("page.sector_training_reach", lang))
st.markdown(t("m1.definition", lang))

reach = loaders.frame(principal, "training_reach_by_sector").with_columns(
    series=pl.when(pl.col("sector").is_null()).then(pl.lit(t("level.city", lang)))
    .otherwise(pl.col("sector").map_elements(lambda s: t(f"sector.{s}", lang), return_dtype=pl.String)))
this_year = reach.filter((pl.col("school_year_id") == year["school_year_id"]) & pl.col("sector").is_null())
if this_year.is_empty():
    st.info(t("empty.no_training_data", lang))
else:
    row = this_year.row(0, named=True)
    widgets.kpi_row([
        (t("m1.share_city", lang, year=year["label"]), fmt_percent(row["share"], lang), None),
        (t("m1.trained", lang), fmt_number(row["trained"], lang), None),
        (t("m1.staff", lang), fmt_number(row["staff"], lang), None),
        (t("m1.target", lang), fmt_percent(1.0, lang), None),
    ])
    if row["is_current"]:
        st.caption(t("m1.current_year_note", lang))
    widgets.chart_block(
        figures.share_trend(reach, x="school_year", series="series", y="share", title=t("m1.chart_title", lang),
                            y_title=t("m1.share", lang), target=1.0, target_label=t("m1.target", lang)),
        reach.select(pl.col("school_year").alias(t("col.school_year", lang)),
                     pl.col("series").alias(t("col.sector", lang)),
                     pl.col("staff").alias(t("col.staff", lang)), pl.col("trained").alias(t("col.trained", lang)),
                     (pl.col("share") * 100).round(1).alias(t("col.share_pct", lang))),
        key="m1_trend",
        summary=t("m1.summary", lang, share=fmt_percent(row["share"], lang), year=year["label"]),
        filename="m1-koulutusten-kattavuus",
    )

st.header(t("pupils.header", lang, year=year["label"]))
pupils = loaders.fetch(principal, "pupils_by_district_language", school_year_id=year["school_year_id"])
cells = pupils.frame.filter(pl.col("district_id").is_not_null() & pl.col("language").is_not_null()).with_columns(
    district=pl.col("district_sv" if lang == "sv" else "district_fi"),
    language_name=pl.col("language").map_elements(lambda s: t(f"language.{s}", lang), return_dtype=pl.String))
if cells.is_empty():
    st.info(t("empty.no_pupils", lang))
else:
    table = cells.select(pl.col("district").alias(t("col.district", lang)),
                         pl.col("language_name").alias(t("col.language", lang)),
                         pl.col("pupils").alias(t("col.pupils", lang)),
                         pl.when(pl.col("pupils").is_null()).then(pl.lit(t("suppression.cell", lang)))
                         .otherwise(pl.lit("")).alias(t("col.note", lang)))
    widgets.chart_block(
        figures.grouped_bars(cells, x="district", series="language_name", y="pupils",
                             title=t("pupils.chart_title", lang), y_title=t("col.pupils", lang)),
        table, key="pupils_district",
        summary=t("pupils.summary", lang, hidden=pupils.suppressed_cells),
        filename="lapset-ja-oppilaat-alueittain",
    )
widgets.data_as_of(principal)
