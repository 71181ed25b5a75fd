"""Principal: my unit's basic facts (children or pupils, staff, groups and their trend), its strategy metrics M1–M6 beside its sector and the whole city, with targets,
traffic lights and five-year trends; a unit switcher for principals of several units."""

import polars as pl
import streamlit as st

from tilannekuva import metrics
from tilannekuva.i18n import fmt_date
from tilannekuva.inert import md
from views import filters, loaders, sections, unit_facts, whats_new
from views.context import open_page

page = open_page("principal_unit")
unit = filters.own_unit(page)
year = filters.school_year(page)
chosen = filters.metric(page)
goal = metrics.targets(page.settings.targets)
sector = page.t(f"sector.{unit['sector']}")

st.title(md(unit["name"]))
st.caption(page.t("unit.caption", sector=md(sector), district=md(unit[filters.district_column(page.lang)])))
whats_new.section(page)
unit_facts.facts(page, unit, year)
st.header(page.t("page.principal_unit"))
parts = loaders.frame(page, "metric_parts_by_unit_year").filter(pl.col("unit_id") == unit["unit_id"])
if parts.is_empty():
    st.info(page.t("empty.no_metrics"))
    st.stop()
levels = metrics.beside_sector_and_city(parts, loaders.frame(page, "metric_bench_by_sector_year"), unit["sector"])
cards = metrics.unit_cards(levels, year["school_year_id"], goal, loaders.as_of(page))
sections.metric_cards(page, cards, year, sector=sector)
if year["partial"]:
    st.caption(page.t("period.year_note", year=md(year["label"]), date=fmt_date(loaders.as_of(page), page.lang)))

with st.expander(page.t("table.show")):
    sections.unit_metrics_table(page, cards, unit["name"], sector, key="unit_metrics", judged=True,
                                filename=f"yksikko-{unit['unit_id']}-mittarit-{year['school_year_id']}")

sections.unit_trend(page, levels, chosen, {"unit": unit["name"], "sector": page.t("level.sector", sector=sector),
                                           "city": page.t("level.city")},
                    target=goal[chosen], filename=f"yksikko-{unit['unit_id']}-{chosen.lower()}",
                    summary=page.t(f"metric.{chosen}.definition"))
sections.data_as_of(page)
