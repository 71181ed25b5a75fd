"""Principal: e-services in my unit — monthly active users by service and user type (staff,
pupils, guardians) against the users with access (M3), over the chosen school year."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_number, fmt_percent, t
from tilannekuva.inert import md
from views import figures, loaders, session, widgets

principal = session.require_page("principal_eservices")
lang = session.language()
unit = widgets.unit_switcher(principal)
year = widgets.school_year_filter(principal)

st.title(md(unit["name"]))
st.header(t("page.principal_eservices", lang))
st.markdown(t("metric.M3.definition", lang))
use = loaders.frame(principal, "eservice_monthly_for_unit", unit_id=unit["unit_id"]).filter(
    pl.col("school_year_id") == year["school_year_id"])
if use.is_empty():
    st.info(t("empty.no_eservice", lang))
    st.stop()
latest = use.filter(pl.col("month") == use["month"].max())
widgets.kpi_row([
    (t(f"user_type.{kind}", lang),
     fmt_percent(part["active_users"].sum() / part["eligible_users"].sum(), lang) if part["eligible_users"].sum() else "–",
     t("eservices.active_of", lang, active=fmt_number(part["active_users"].sum(), lang),
       eligible=fmt_number(part["eligible_users"].sum(), lang)))
    for kind in ("henkilosto", "oppilas", "huoltaja")
    if (part := latest.filter(pl.col("user_type") == kind)).height
])
st.caption(t("eservices.latest_month", lang, month=latest["month"][0].strftime("%m/%Y")))
for kind in ("henkilosto", "oppilas", "huoltaja"):
    part = use.filter(pl.col("user_type") == kind)
    if part.is_empty():
        continue
    lines = part.with_columns(series=pl.col("service").map_elements(lambda s: t(f"service.{s}", lang),
                                                                    return_dtype=pl.String)).sort("service", "month")
    widgets.chart_block(
        figures.monthly_lines(lines, month="month", series="series", y="activation", kind="share",
                              title=t("eservices.title", lang, who=t(f"user_type.{kind}", lang)),
                              y_title=t("metric.M3.unit", lang)),
        widgets.table(lines, {"month": "col.month", "series": "col.service", "active_users": "col.active_users",
                              "eligible_users": "col.eligible_users", "logins": "col.logins", "activation": "col.share"},
                      lang, percent=("activation",)),
        key=f"eservices_{kind}", filename=f"sahkoiset-palvelut-{kind}-{year['school_year_id']}",
        summary=t("eservices.summary", lang))
widgets.data_as_of(principal)
