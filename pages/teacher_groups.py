"""Teacher: my teaching groups this school year, their pupils, absences and support in place."""

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_number, t
from views import figures, loaders, session, widgets

principal = session.require_page("teacher_groups")
lang = session.language()
year = widgets.school_year_filter(principal)

st.title(t("page.teacher_groups", lang))
groups = loaders.frame(principal, "my_groups", school_year_id=year["school_year_id"])
if groups.is_empty():
    st.info(t("empty.no_groups", lang, year=year["label"]))
    st.stop()

widgets.kpi_row([
    (t("groups.count", lang), fmt_number(groups.height, lang), None),
    (t("groups.pupils", lang), fmt_number(groups["pupils"].sum(), lang), None),
    (t("groups.co_taught", lang), fmt_number(groups.filter(pl.col("teachers") > 1).height, lang), None),
])

absences = loaders.frame(principal, "absence_by_group_month", unit_id=None, school_year_id=year["school_year_id"])
if absences.is_empty():
    st.info(t("empty.no_absences", lang))
else:
    widgets.chart_block(
        figures.monthly_lines(absences, month="month", series="group_name", y="hours_per_pupil",
                              title=t("absence.chart_title", lang), y_title=t("absence.hours_per_pupil", lang)),
        absences.select(pl.col("group_name").alias(t("col.group", lang)), pl.col("month").alias(t("col.month", lang)),
                        pl.col("pupils").alias(t("col.pupils", lang)),
                        pl.col("hours_per_pupil").round(1).alias(t("absence.hours_per_pupil", lang))),
        key="absence_groups",
        summary=t("absence.summary", lang, groups=groups.height),
        filename="poissaolot-ryhmittain",
    )

pupils = loaders.frame(principal, "pupils_in_my_groups", school_year_id=year["school_year_id"])
for group in groups.iter_rows(named=True):
    members = pupils.filter(pl.col("group_id") == group["group_id"])
    label = t("groups.expander", lang, group=group["group_name"], unit=group["unit_name"], pupils=group["pupils"])
    with st.expander(label, expanded=groups.height == 1):
        if members.is_empty():
            st.caption(t("empty.no_pupils_in_group", lang))
            continue
        st.dataframe(
            members.select(
                pl.format("{} {}", "last_name", "first_name").alias(t("col.pupil", lang)),
                pl.col("absence_hours").round(1).alias(t("col.absence_hours", lang)),
                pl.col("unexcused_hours").round(1).alias(t("col.unexcused_hours", lang)),
                pl.col("support_forms").fill_null("").alias(t("col.support", lang)),
                pl.col("mean_grade").round(1).alias(t("col.mean_grade", lang)),
            ),
            hide_index=True,
        )
widgets.data_as_of(principal)
