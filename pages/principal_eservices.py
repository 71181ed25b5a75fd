"""Principal: e-services in my unit — monthly active users by service and user type (staff,
pupils, guardians) against the users with access (M3), over the chosen school year."""

import polars as pl
import streamlit as st

from tilannekuva.eservices import USER_TYPES, latest_activation
from tilannekuva.i18n import fmt_number
from tilannekuva.inert import md
from views import filters, labels, loaders, sections
from views.context import open_page

page = open_page("principal_eservices")
unit = filters.own_unit(page)
year_id = filters.school_year(page)["school_year_id"]

st.title(md(unit["name"]))
st.header(page.t("page.principal_eservices"))
st.markdown(page.t("metric.M3.definition"))
use = loaders.frame(page, "eservice_monthly_for_unit", unit_id=unit["unit_id"]).filter(school_year_id=year_id)
if use.is_empty():
    st.info(page.t("empty.no_eservice"))
    st.stop()
latest = latest_activation(use)
sections.kpi_row([(page.t(f"user_type.{row['user_type']}"), labels.metric_text("M3", row["activation"], page.lang),
                   None, page.t("eservices.active_of", active=fmt_number(row["active"], page.lang),
                          eligible=fmt_number(row["eligible"], page.lang))) for row in latest.iter_rows(named=True)])
st.caption(page.t("eservices.latest_month", month=use["month"].max().strftime("%m/%Y")))
for kind in USER_TYPES:
    if not (part := use.filter(pl.col("user_type") == kind)).is_empty():
        sections.eservice_use(page, part, title=page.t("eservices.title", who=page.t(f"user_type.{kind}")),
                              summary=page.t("eservices.summary"), key=f"eservices_{kind}",
                              filename=f"sahkoiset-palvelut-{kind}-{year_id}", logins=True)
sections.data_as_of(page)
