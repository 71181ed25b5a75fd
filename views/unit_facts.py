"""The basic facts of a principal's unit (pages/principal_unit.py): children or pupils, staff and groups
in the chosen school year, each with its trend over the years in words."""

from __future__ import annotations

import streamlit as st

from tilannekuva.i18n import fmt_number, t
from tilannekuva.inert import md
from tilannekuva.unit_facts import SUPPRESSED, facts_through
from views import explain, labels, loaders
from views.context import PageContext

FACT_SOURCES = ("ilmoittautumiset", "palvelussuhteet")   # pupils by enrolment, staff by employment (groups: reference)


def _count(value: int | None, hidden: bool, lang: str) -> str:
    return t("suppression.short", lang) if hidden else labels.DASH if value is None else fmt_number(value, lang)


def facts(page: PageContext, unit: dict, year: dict) -> None:
    """A line per fact — the unit's children (ECEC) or pupils, staff and teaching groups in `year` — with its
    trend from the first school year on record ('2022–2023 → 2026–2027: 290 → … → 330'); a hidden pupil
    count reads 'hidden', never a number."""
    frame = loaders.frame(page, "unit_facts_by_year", unit_id=unit["unit_id"])
    if frame.is_empty():
        return
    who = "unit.facts_children" if unit["sector"] == "varhaiskasvatus" else "unit.facts_pupils"
    with st.container(border=True):
        st.markdown(page.t("unit.facts_header", year=md(year["label"])))
        for fact, fact_of in facts_through(frame, year["school_year_id"]).items():
            trend = fact_of["trend"]
            values = " → ".join(_count(v, fact in SUPPRESSED and v is None, page.lang) for _, v in trend)
            st.markdown(page.t("unit.facts_line", what=page.t(who if fact == "pupils" else f"unit.facts_{fact}"),
                               value=md(_count(fact_of["value"], fact_of["hidden"], page.lang)),
                               trend=page.t("unit.facts_trend", first=md(f"{trend[0][0]}–{trend[0][0] + 1}"),
                                            last=md(f"{trend[-1][0]}–{trend[-1][0] + 1}"), values=md(values))))
        st.caption(page.t("unit.facts_note", threshold=page.settings.suppression_threshold))
        explain.data_of(page, FACT_SOURCES)
