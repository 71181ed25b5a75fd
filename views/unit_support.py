"""Sections of a principal's support page (principal_support): the support signals of the unit's pupils
by name, support for learning by group, and assessment by subject (absences by group are
sections.absence_by_group, shared with the teacher's groups)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_number
from tilannekuva.inert import md
from tilannekuva.signals import chosen_signals, with_severity
from views import figures, labels, loaders, sections, stores, tables
from views.context import PageContext

SIGNAL_COLUMNS = {"last_name": "col.last_name", "first_name": "col.first_name", "group_name": "col.group",
                  "severity_level": ("col.severity", "label:severity"), "reasons_text": "col.reasons",
                  "followed_text": "col.followed_up"}
SEVERITY_CHOICES = {"all": None, "medium": "medium", "high": "high"}       # widget value -> least severity level
FOLLOWED_CHOICES = {"all": None, "yes": True, "no": False}                # widget value -> followed up or not


def signals(page: PageContext, unit: dict, year: dict) -> None:
    """The pupils whose absences rise or grades fall with no support in place, by name with the reason
    and the follow-up mark (a logged pupil list); a note when the unit has no pupils or no signals."""
    year_id = year["school_year_id"]
    if loaders.frame(page, "pupil_roster", unit_id=unit["unit_id"], school_year_id=year_id).is_empty():
        st.info(page.t("empty.no_pupils_unit", year=md(year["label"])))
    elif (listed := loaders.signals(page, unit["unit_id"], year_id)).is_empty():
        st.success(page.t("psupport.no_signals"))
    else:
        marks = loaders.followups().current(year_id, listed["pupil_id"].to_list())
        marked = with_severity(listed.join(marks, on="pupil_id", how="left"))
        st.warning(page.t("psupport.signals_count", count=fmt_number(marked.height, page.lang)))
        shown = chosen_signals(marked, *signal_choices(page))
        st.caption(page.t("signals.order", shown=fmt_number(shown.height, page.lang),
                          total=fmt_number(marked.height, page.lang)))
        if shown.is_empty():
            st.info(page.t("signals.none_chosen"))
            return
        names = stores.display_names(page.settings)
        sections.pupil_list(page, shown.with_columns(
            labels.signal_reasons(page.lang), labels.followed_up(page.lang, names)), SIGNAL_COLUMNS,
            target="support_signals", key="signals", filename=f"tukisignaalit-{unit['unit_id']}-{year_id}",
            metrics=("S4",))


def signal_choices(page: PageContext) -> tuple[str | None, bool | None]:
    """The reader's narrowing of the signal list: the least severity shown and followed up or not."""
    left, right = st.columns(2)
    least = left.selectbox(page.t("signals.severity_filter"), list(SEVERITY_CHOICES), key="tk_signal_severity",
                           format_func=lambda v: page.t(f"signals.severity_{v}"), placeholder=page.t("filter.choose"),
                           help=page.t("signals.severity_help"))
    followed = right.selectbox(page.t("signals.followed_filter"), list(FOLLOWED_CHOICES), key="tk_signal_followed",
                               format_func=lambda v: page.t(f"signals.followed_{v}"),
                               placeholder=page.t("filter.choose"))
    return SEVERITY_CHOICES.get(least), FOLLOWED_CHOICES.get(followed)


def support_by_group(page: PageContext, groups: pl.DataFrame, year: dict, *, children: bool = False) -> None:
    """Pupils (`children`: ECEC children) in support by group, the old tiers and the 2025 levels as separate
    series (support_by_group rows); a sentence, not an empty chart, when no one in the unit has support."""
    groups = groups.drop_nulls("group_name")
    if groups.is_empty() or not (groups["pupils"].fill_null(0) > 0).any():
        st.info(page.t("psupport.no_support_children" if children else "empty.no_support_unit", year=md(year["label"])))
        return
    groups = groups.with_columns(series=labels.support_series(page.lang))
    sections.chart_with_table(
        page, figures.groups_by_series(groups, group="group_name", series="series", y="pupils",
                                       y_title=page.t("col.pupils"), colour_by="support_level",
                                       title=page.t("psupport.support_title_children" if children
                                                    else "psupport.support_title", year=year["label"])),
        tables.table(groups, {"group_name": "col.group", "series": "col.support", "pupils": "col.pupils",
                              "enrolled": "col.enrolled", "share": ("col.share", "pct1")}, page.lang),
        key="unit_support", filename=f"tuki-ryhmittain-{year['school_year_id']}", metrics=("S2",),
        summary=page.t("psupport.support_summary"))


def assessment_by_subject(page: PageContext, grades: pl.DataFrame, year: dict) -> None:
    """Mean grade and failing share by subject and term (assessment_by_subject)."""
    grades = grades.with_columns(labels.label("subject", "subject", page.lang).alias("subject_name"),
                                 labels.label("term", "term", page.lang).alias("term_name"))
    sections.chart_with_table(
        page, figures.grouped_bars(grades, x="subject_name", series="term_name", y="mean_grade", kind="grade",
                                   colour_by="term",
                                   title=page.t("psupport.assessment_title", year=year["label"]),
                                   y_title=page.t("col.mean_grade")),
        tables.table(grades, {"subject_name": "col.subject", "term_name": "col.term", "pupils": "col.pupils",
                              "mean_grade": ("col.mean_grade", "num2"),
                              "failing_share": ("col.failing_share", "pct1")}, page.lang),
        key="unit_assessment", filename=f"arviointi-{year['school_year_id']}", metrics=("S3",),
        summary=page.t("psupport.assessment_summary"))
