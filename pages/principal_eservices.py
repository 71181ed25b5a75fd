"""Principal: e-services in my unit — M3 as the unit's cards count it (people active in any service,
the monthly mean over the school year's complete months, against the people with access), for
everyone and per user type (staff, pupils, guardians), then month by month per service."""

import polars as pl
import streamlit as st

from tilannekuva.eservices import EVERYONE, USER_TYPES, year_activation
from tilannekuva.i18n import fmt_date, fmt_month, fmt_number
from tilannekuva.inert import md
from views import explain, filters, labels, loaders, sections
from views.context import open_page

page = open_page("principal_eservices")
unit = filters.own_unit(page)
year = filters.school_year(page)
year_id = year["school_year_id"]

st.title(md(unit["name"]))
st.header(page.t("page.principal_eservices"))
st.markdown(page.t("metric.M3.definition"))
use = loaders.frame(page, "eservice_monthly_for_unit", unit_id=unit["unit_id"]).filter(school_year_id=year_id)
counted = loaders.frame(page, "eservice_year_for_unit", unit_id=unit["unit_id"]).filter(school_year_id=year_id)
if use.is_empty() or counted.is_empty():
    st.info(page.t("empty.no_eservice"))
    st.stop()
period = counted.row(0, named=True)
if not period["months"]:
    st.info(page.t("eservices.no_complete_month"))
else:
    sections.kpi_row([(page.t("eservices.everyone" if row["user_type"] == EVERYONE else f"user_type.{row['user_type']}"),
                       labels.metric_text("M3", row["activation"], page.lang), None,
                       page.t("eservices.active_of", active=fmt_number(row["active"], page.lang),
                              eligible=fmt_number(row["people"], page.lang)))
                      for row in year_activation(counted).iter_rows(named=True)])
    st.caption(page.t("eservices.period", year=md(year["label"]), months=fmt_number(period["months"], page.lang),
                      first=md(fmt_month(period["first_month"], page.lang)),
                      last=md(fmt_month(period["last_month"], page.lang))))
if period["partial_month"]:
    st.caption(page.t("eservices.partial", month=md(fmt_month(period["partial_month"], page.lang)),
                      date=md(fmt_date(period["data_as_of"], page.lang))))
explain.about(page, "M3")          # under the cards: what M3 counts, its sources and their dates
for kind in USER_TYPES:
    if not (part := use.filter(pl.col("user_type") == kind)).is_empty():
        sections.eservice_use(page, part, title=page.t("eservices.title", who=page.t(f"user_type.{kind}")),
                              summary=page.t("eservices.summary"), key=f"eservices_{kind}",
                              filename=f"sahkoiset-palvelut-{kind}-{year_id}", logins=True)
sections.data_as_of(page)
