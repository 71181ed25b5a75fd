"""Unfinished and closed periods: which school year, term or month the data only partly cover, and
how a metric of an unfinished school year is compared with the years before.

School years run 1.8.–31.7.; the data end on their data-as-of date (the newest of the sources'
`meta_source.data_as_of`; the demo's is 20.11.2026), so the school year, term and month holding that
date are unfinished: their figures are partial, not a fall.

A metric either accumulates over the year (`CUMULATIVE`: M1 training reach, M6 conversations — a
year-to-date value grows towards the year's end) or is a rate or a mean (M2–M5: a part of the year
is comparable with a whole year, but still partial). A cumulative metric of an unfinished year is
compared with last year's value on the same date (`same_date`; the parts `num_to_date` are computed
at load time, tilannekuva.aggregates), and gets no traffic light yet: its target is a year-end target
and trainings and conversations bunch up in terms, so "where the year should be by now" has no
defensible line (docs/DATA_MODEL.md, "Unfinished school year").
"""

from __future__ import annotations

import calendar
import datetime as dt

from tilannekuva.catalogue import catalogue

YEAR_START_MONTH = 8  # school years start on 1 August
CUMULATIVE = frozenset(m.id for m in catalogue() if m.cumulative)  # accumulate over the school year (M1, M6)
SPRING_SURVEY = frozenset(m.id for m in catalogue() if m.spring_survey)  # answered once a year, in spring (M5)

# How a metric's value in a school year compares with the year before (metrics.cards' `basis`):
YEAR = "year"  # a closed year against the whole year before
SAME_DATE = "same_date"  # an unfinished year's year-to-date value against last year's on the same date
PARTIAL = "partial"  # an unfinished year's rate or mean against the whole year before (comparable, partial)


def school_year_of(day: dt.date) -> int:
    """The school year (the calendar year it starts) holding `day`: 20.11.2026 -> 2026, 15.3.2026 -> 2025."""
    return day.year if day.month >= YEAR_START_MONTH else day.year - 1


def year_ends_on(school_year_id: int) -> dt.date:
    """The last day of a school year: 31 July of the next calendar year."""
    return dt.date(school_year_id + 1, YEAR_START_MONTH, 1) - dt.timedelta(days=1)


def is_unfinished(school_year_id: int, as_of: dt.date | None) -> bool:
    """True when the data end before the school year does (the year holding `as_of`, or a later one)."""
    return as_of is not None and as_of < year_ends_on(school_year_id)


def same_date(as_of: dt.date, school_year_id: int) -> dt.date:
    """The day of `school_year_id` at the same place as `as_of` in its own school year (same day and
    month): 20.11.2026 -> 20.11.2025 for 2025; 29.2. in a year without one -> 28.2."""
    year = school_year_id if as_of.month >= YEAR_START_MONTH else school_year_id + 1
    return dt.date(year, as_of.month, min(as_of.day, calendar.monthrange(year, as_of.month)[1]))


def basis(metric: str, school_year_id: int, as_of: dt.date | None) -> str:
    """How `metric` in `school_year_id` is compared with the year before: YEAR, SAME_DATE or PARTIAL."""
    if not is_unfinished(school_year_id, as_of):
        return YEAR
    return SAME_DATE if metric in CUMULATIVE else PARTIAL


def month_is_partial(month: dt.date, as_of: dt.date | None) -> bool:
    """True for the month holding `as_of` unless `as_of` is its last day (the data cover it only in part)."""
    if as_of is None:
        return False
    last = calendar.monthrange(month.year, month.month)[1]
    return (month.year, month.month) == (as_of.year, as_of.month) and as_of.day < last


TERM_ENDS = {"syksy": (12, 31), "kevat": (7, 31)}  # autumn ends 31.12., spring 31.7. (tilannekuva.terms)


def term_is_partial(school_year_id: int, term: str, as_of: dt.date | None) -> bool:
    """True for the term (tilannekuva.terms) that holds `as_of` before its last day."""
    if as_of is None or term not in TERM_ENDS:
        return False
    starts = dt.date(school_year_id, YEAR_START_MONTH, 1) if term == "syksy" else dt.date(school_year_id + 1, 1, 1)
    month, day = TERM_ENDS[term]
    ends = dt.date(school_year_id + (term == "kevat"), month, day)
    return starts <= as_of < ends


SURVEY_OPENS = (1, 1)  # a spring survey can be answered from the spring term on (1 January)


def survey_status(school_year_id: int, as_of: dt.date | None) -> str:
    """A spring survey's (M5) state in `school_year_id` on the data-as-of date: 'closed' when the
    school year is over, 'not_open' before its spring term, 'open' in its spring term."""
    if not is_unfinished(school_year_id, as_of):
        return "closed"
    month, day = SURVEY_OPENS
    return "open" if as_of >= dt.date(school_year_id + 1, month, day) else "not_open"
