"""Principal: training reach (M1) of my unit beside its sector and the whole city."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_number, fmt_percent, t
from views import figures, loaders, session, widgets

principal = session.require_page("principal_unit")
lang = session.language()
year = widgets.school_year_filter(principal)

units = loaders.frame(principal, "my_units")
if units.is_empty():
    st.info(t("empty.no_units", lang))
    st.stop()
unit_ids = units["unit_id"].to_list()
names = dict(zip(unit_ids, units["name"].to_list()))
unit_id = widgets.url_select("yksikko", unit_ids, names, unit_ids[0], label_key="filter.unit",
                             bad_key="filter.bad_unit", key="tk_unit", principal=principal)
unit = units.filter(pl.col("unit_id") == unit_id).row(0, named=True)

st.title(unit["name"])
st.caption(t("unit.caption", lang, sector=t(f"sector.{unit['sector']}", lang),
             district=unit["district_sv" if lang == "sv" else "district_fi"]))
st.header(t("page.principal_unit", lang))
st.markdown(t("m1.definition", lang))

level_names = {"unit": unit["name"], "sector": t("level.sector", lang, sector=t(f"sector.{unit['sector']}", lang)),
               "city": t("level.city", lang)}
reach = loaders.frame(principal, "training_reach_unit_vs_benchmark", unit_id=unit_id).with_columns(
    series=pl.col("level").replace_strict(level_names, return_dtype=pl.String))
now = reach.filter(pl.col("school_year_id") == year["school_year_id"])
if now.is_empty():
    st.info(t("empty.no_training_data", lang))
    st.stop()
by_level = {r["level"]: r for r in now.iter_rows(named=True)}
mine, city = by_level.get("unit"), by_level.get("city")
widgets.kpi_row([
    (t("m1.share_unit", lang, year=year["label"]), fmt_percent(mine and mine["share"], lang),
     t("m1.vs_city", lang, points=fmt_number(100 * (mine["share"] - city["share"]), lang, 1))
     if mine and city and mine["share"] is not None and city["share"] is not None else None),
    (t("m1.trained", lang), fmt_number(mine and mine["trained"], lang), None),
    (t("m1.untrained", lang), fmt_number(mine and (mine["staff"] - mine["trained"]), lang), None),
    (t("m1.share_city_short", lang), fmt_percent(city and city["share"], lang), None),
])
if now.row(0, named=True)["is_current"]:
    st.caption(t("m1.current_year_note", lang))
widgets.chart_block(
    figures.share_trend(reach, x="school_year", series="series", y="share", title=t("m1.chart_title_unit", lang),
                        y_title=t("m1.share", lang), target=1.0, target_label=t("m1.target", lang)),
    reach.select(pl.col("school_year").alias(t("col.school_year", lang)), pl.col("series").alias(t("col.level", lang)),
                 pl.col("staff").alias(t("col.staff", lang)), pl.col("trained").alias(t("col.trained", lang)),
                 (pl.col("share") * 100).round(1).alias(t("col.share_pct", lang))),
    key="m1_unit",
    summary=t("m1.summary_unit", lang, unit=unit["name"], share=fmt_percent(mine and mine["share"], lang),
              city=fmt_percent(city and city["share"], lang), year=year["label"]),
    filename="m1-yksikko-ja-kaupunki",
)
widgets.data_as_of(principal)
