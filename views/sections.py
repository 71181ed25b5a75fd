"""Reusable page sections: a chart with its numbers as a table and downloads, a row of KPI cards,
the data-as-of line. Pages name sections; they do not rebuild them.

Text given to a section (a KPI label, a summary) is rendered as Markdown: callers escape data in it
with `md()` (the architecture test checks the callers).
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from tilannekuva import competence, metrics, periods, training
from tilannekuva.groups import group_label
from tilannekuva.i18n import fmt_number, fmt_percent, t
from tilannekuva.inert import md
from tilannekuva.metrics import LEVELS, METRICS
from views import drill, explain, figures, filters, labels, loaders, tables
from views.access_log import log_event, log_view
from views.context import PageContext

SAVED = "tk_watch_saved"        # session state: a follow-up mark was saved on the last run (shown once)


def plot(page: PageContext, fig: go.Figure, *, key: str, clickable: bool = False):
    """A plotly chart with numbers in the reader's locale (the only st.plotly_chart of the app); with
    `clickable` a click on a bar is returned as Streamlit's selection event (for views.drill)."""
    return st.plotly_chart(figures.localize(fig, page.lang), key=key, config={"displaylogo": False},
                           **(drill.CHART if clickable else {}))


def chart_with_table(page: PageContext, fig: go.Figure, table: pl.DataFrame, *, key: str, summary: str,
                     filename: str, target: str | None = None, subjects=(), filters: dict | None = None,
                     clickable: bool = False, metrics: tuple[str, ...] = ()):
    """A chart, a one-sentence summary, and the same numbers as a table with CSV and Excel downloads
    (the Excel file titled with the chart's title; `metrics`: the catalogue's metrics the figure shows, their
    definitions and sources' dates in the files' header block). With `clickable`, returns the chart's
    selection event (views.drill)."""
    event = plot(page, fig, key=key, clickable=clickable)
    st.caption(summary)
    with st.expander(t("table.show", page.lang)):
        tables.show(table)
        # The figure's title is Plotly text (entities escaped); the Excel sheet gets it as written.
        tables.downloads(page, table, key=key, filename=filename, title=html.unescape(fig.layout.title.text or ""),
                         target=target, subjects=subjects, filters=filters, metrics=metrics)
    return event


def by_district(page: PageContext, frame: pl.DataFrame, units: pl.DataFrame, *, y: str, title: str, y_title: str,
                columns: dict, key: str, filename: str, summary: str, kind: str = "count",
                colour_by: str | None = None, metrics: tuple[str, ...] = ()) -> None:
    """One period's values per district as bars (a colour and pattern per `series` value) with the same
    numbers as a table and downloads. `frame` has district_id, `series` and `y`; each district is named
    from `units` in the reader's language; the table shows the district, then `columns` (as in
    tables.table). Rows keep their order within a district. Nothing when `frame` has no rows. A click on
    a district's bar narrows the page to that district (?alue=, checked like any address: views.drill)."""
    if frame.is_empty():
        return
    names = units.select("district_id", pl.col(filters.district_column(page.lang)).alias("district")).unique()
    named = frame.join(names, on="district_id", maintain_order="left").sort("district_id", maintain_order=True)
    event = chart_with_table(page, figures.grouped_bars(named, x="district", series="series", y=y, kind=kind,
                                                        title=title, y_title=y_title, colour_by=colour_by),
                             tables.table(named, {"district": "col.district", **columns}, page.lang), key=key,
                             filename=filename, summary=summary, clickable=True, metrics=metrics)
    drill.follow(drill.target(event, named, "district_id", "alue", series="series"))


def kpi_row(items: list[tuple]) -> None:
    """A row of st.metric cards: (label, value, delta or None[, note]). The delta is a change over time
    (labels.metric_delta; no change has no arrow); a note — what the value is made of, e.g. '182 / 236
    people' — goes under the value as text, never in the delta's arrow pill."""
    for column, (label, value, delta, *note) in zip(st.columns(len(items)), items, strict=True):
        column.metric(label, value, delta, **labels.delta_style(delta))
        if note and note[0]:
            column.caption(note[0])


def metric_cards(page: PageContext, cards: pl.DataFrame, year: dict, *, sector: str | None = None,
                 details: dict | None = None) -> None:
    """The strategy metrics as cards, three to a row (rows of metrics.cards or metrics.unit_cards): the
    metric's name; its value in `year` with the change it is compared on (an unfinished year's cumulative
    metric against last year's on the same date: 'vs. 20.11.2025'), '(kesken)' on an unfinished year's
    value; a year without a value shows the latest one with its period ('3,40', 'kevät 2026'); the trend
    in words, its unfinished last year marked (or, for one unit's cards, with `sector` its sector's name:
    the sector's and the city's value); the traffic light ('no verdict yet' for a cumulative metric
    mid-year) and the target; the button to the metric's explanation with its sources' data-as-of and
    stale marks (views.explain); with `details` (URL parameters to keep) a link to the metric's page."""
    lang = page.lang
    rows = cards.to_dicts()
    for start in range(0, len(rows), 3):
        for column, card in zip(st.columns(3), rows[start:start + 3], strict=False):   # the last row may be short
            metric = card["metric"]
            with column.container(border=True):
                st.markdown(f"**{metric} {page.t(f'metric.{metric}.name')}**")
                _card_value(page, card, year, sector)
                if sector:
                    st.caption(page.t("unit.benchmarks", sector=md(sector), city=labels.metric_text(
                        metric, card["city"], lang), sector_value=labels.metric_text(metric, card["sector"], lang)))
                elif card["trend"]:      # the trend as words, not a sparkline (a picture with no text alternative)
                    st.caption(page.t("scorecard.trend", years=len(card["trend"]), values=" → ".join(
                        labels.metric_text(metric, v, lang) for v in card["trend"]) + (
                        f" ({page.t('period.partial')})" if card["trend_partial"] else "")))
                st.markdown(labels.light_badge(card["light"], lang) + " · " + page.t(
                    "scorecard.target", target=labels.metric_text(metric, card["target"], lang)))
                explain.about(page, metric)
                if details is not None:
                    st.page_link("pages/sector_metric.py", label=page.t("scorecard.details"),
                                 icon=":material/arrow_forward:", query_params={"mittari": metric, **details})


def _card_value(page: PageContext, card: dict, year: dict, sector: str | None) -> None:
    """A card's value: the year's (marked partial, the change with what it is compared on) or, when the
    year has none, the latest earlier one with its period and why this year has none."""
    metric, lang = card["metric"], page.lang
    if card["value"] is None and card["latest_value"] is not None:
        st.metric(md(latest_period(page, metric, card["latest_year"])),
                  labels.metric_text(metric, card["latest_value"], lang), border=False)
        st.caption(page.t(no_value_key(page, metric, year), year=md(year["label"])))
        return
    label = page.t("unit.value" if sector else "scorecard.value", year=md(year["label"]))
    if card["basis"] != periods.YEAR:       # an unfinished year: '2026–2027 (kesken)'
        label = f"{label} ({page.t('period.partial')})"
    delta = labels.metric_delta(metric, card["value"], card["previous"], lang, on=card["compared_on"])
    st.metric(label, labels.metric_text(metric, card["value"], lang), delta, border=False, **labels.delta_style(delta))


def latest_period(page: PageContext, metric: str, school_year_id: int) -> str:
    """The period of a metric's latest value as plain text (escape it for Markdown): 'kevät 2026' for the
    spring survey (M5), else the year's label."""
    if metric in periods.SPRING_SURVEY:
        return page.t("period.spring", year=school_year_id + 1)
    years = loaders.school_years(page)
    return years.filter(pl.col("school_year_id") == school_year_id)["school_year"][0]


def no_value_key(page: PageContext, metric: str, year: dict) -> str:
    """The catalog key (with {year}) of why `year` has no value of `metric`: the spring survey not yet
    open, or no data for the year yet."""
    status = periods.survey_status(year["school_year_id"], loaders.as_of(page))
    return "period.survey_opens" if metric in periods.SPRING_SURVEY and status == "not_open" else "period.no_value_year"


def unit_metrics_table(page: PageContext, cards: pl.DataFrame, unit: str, sector: str, *, key: str, filename: str,
                       judged: bool = False) -> None:
    """One unit's metrics beside its sector and the city as a table with downloads (`cards` from
    metrics.unit_cards, `unit` and `sector` their names); `judged` adds the target and the light."""
    columns = {"metric": "col.metric", "name": "col.name", "value": (tables.Text(unit), "metric:metric"),
               "sector": (tables.Text(sector), "metric:metric"), "city": ("level.city", "metric:metric")}
    if judged:
        columns |= {"target": ("col.target", "metric:metric"), "light": ("col.status", "label:light")}
    named = cards.with_columns(name=labels.label("metric", "metric", page.lang, "name"))
    table = tables.table(named, columns, page.lang)
    tables.show(table)
    tables.downloads(page, table, key=key, filename=filename,
                     metrics=tuple(cards["metric"].unique(maintain_order=True)))  # the metrics in the table


def unit_trend(page: PageContext, levels: pl.DataFrame, metric: str, names: dict[str, str], *, filename: str,
               summary: str, target: float | None = None) -> None:
    """One metric of a unit beside its sector and the city over the school years, as lines with the
    table and downloads: `levels` from metrics.beside_sector_and_city, `names` each level's name in
    the legend ({'unit': …, 'sector': …, 'city': …}), with `target` a target line; an unfinished year
    drawn as partial (figures.mark_partial) and labelled '(kesken)' in the table."""
    trend = (levels.filter(pl.col("metric") == metric, pl.col("value").is_not_null())
             .join(loaders.school_years(page), on="school_year_id")
             .with_columns(series=pl.col("level").replace_strict(names, return_dtype=pl.String))
             .sort(pl.col("level").cast(pl.Enum(LEVELS)), "school_year_id"))
    kind = METRICS[metric].kind
    drawn, lines = one_line_each(trend, kind)
    explain.about(page, metric)          # the chart's title names the metric: its explanation beside it
    fig = figures.share_trend(drawn, x="school_year", series="series", y="value", kind=kind,
                              title=f"{metric} {page.t(f'metric.{metric}.name')}", target=target, colour_by="level",
                              y_title=page.t(f"metric.{metric}.unit"), target_label=page.t("col.target"))
    chart_with_table(
        page, figures.mark_partial(fig, trend.filter(pl.col("partial"))["school_year"].unique().to_list(),
                                   page.t("period.partial")),
        tables.table(trend.with_columns(labels.partial("school_year", "partial", page.lang)),
                     {"school_year": "col.school_year", "series": "col.level",
                      "value": ("col.value", tables.metric_number(metric))}, page.lang),
        key="unit_trend", filename=filename, metrics=(metric,),
        summary=summary + (" " + page.t(f"chart.coinciding_{kind}", lines=md(lines)) if lines else ""))


def one_line_each(trend: pl.DataFrame, kind: str) -> tuple[pl.DataFrame, str]:
    """A trend's lines (`series` over `school_year`, `value`) with the lines that lie on top of each other
    drawn once under their joined names (metrics.coinciding), and those names as plain text for the
    summary ('' when no lines coincide; the caller escapes it into `chart.coinciding_<kind>`)."""
    groups = metrics.coinciding(trend, x="school_year", series="series", y="value", tolerance=metrics.COINCIDE[kind])
    lines = "; ".join(" = ".join(group) for group in groups if len(group) > 1)
    return metrics.one_line_each(trend, groups, series="series"), lines


def data_as_of(page: PageContext) -> None:
    """'Tiedot ajalta 20.11.2026 asti.' under the page's content (nothing when there is no data)."""
    text = loaders.as_of_text(page)
    if text:
        st.caption(text)


def pupil_list(page: PageContext, listed: pl.DataFrame, columns: dict, *, target: str, key: str, filename: str,
               count: str | None = None, trends: tuple[str, ...] = (), metrics: tuple[str, ...] = ()) -> None:
    """A list of named pupils (personal data): its view written to the access log (once per session for the
    same list), an optional count line (`count`: a catalog key with {count}), the table, and its logged
    downloads. `listed` has a `pupil_id` column; `columns` as in tables.table; `trends` names columns of
    number lists, shown in the real table as their numbers in order ('2,0 → 0,5 → 4,0': read aloud and
    to the eye alike; a grid's small line charts were a picture with no text) and left out of the downloads."""
    pupils = listed["pupil_id"].to_list()
    log_view(page, target, listed.height, pupils)
    table = tables.table(listed, columns, page.lang)
    if count:
        st.warning(t(count, page.lang, count=fmt_number(listed.height, page.lang)))
    tables.show(table, key=key)
    tables.downloads(page, table.without([t(columns[name], page.lang) for name in trends]), key=key,
                     filename=filename, target=target, subjects=pupils, metrics=metrics)


def followup_form(page: PageContext, pupil_id: int, school_year_id: int, listed: list[int], marked: bool) -> None:
    """The follow-up mark of one pupil on a watch list (`listed`: the pupils on it; `marked`: whether the
    pupil is marked now): stored in FollowUps as the acting user and written to the access log. Read-only
    while an admin views as someone (the store refuses marks then too)."""
    if page.acting.read_only:
        st.info(t("viewas.read_only", page.lang))
    else:
        with st.form("followup", clear_on_submit=True):
            note = st.text_input(t("watch.note", page.lang), max_chars=200)
            # The box shows the mark as it is: saving again without touching it keeps it (it used to default to
            # the opposite, so a second save silently un-marked the pupil — issue 18 item 15).
            followed = st.checkbox(t("watch.followed", page.lang), value=marked)
            if st.form_submit_button(t("watch.save", page.lang)):
                loaders.followups().mark(pupil_id, school_year_id, page.acting, listed, followed=followed, note=note)
                log_event(page, "followup", "watch_list", 1, [pupil_id],
                          filters={**page.filter_values(), "pupil_id": pupil_id, "followed": followed})
                st.session_state[SAVED] = True
                st.rerun()
    if st.session_state.pop(SAVED, False):
        st.success(t("watch.saved", page.lang))


def absence_by_group(page: PageContext, absences: pl.DataFrame, *, key: str, filename: str, title: str,
                     summary: str) -> None:
    """Absence hours per pupil by month, a line per group or, for many groups, a heat map of groups × months
    (absence_by_group_month; groups of one name in two units named with their unit), the month the data
    end in marked as partial (not read as a dip), with its table."""
    absences = absences.with_columns(group_label()).sort("group_name", "month")
    chart_with_table(page, partial_month(page, figures.groups_by_month(
        absences, month="month", group="group_name", y="hours_per_pupil", title=title,
        y_title=t("col.hours_per_pupil", page.lang)), absences["month"]),
                     tables.table(absences, {"group_name": "col.group", "month": ("col.month", "month"), "pupils": "col.pupils",
                                             "hours_per_pupil": ("col.hours_per_pupil", "num1")}, page.lang),
                     key=key, filename=filename, summary=summary, metrics=("S1",))


def staff_list(page: PageContext, staff: pl.DataFrame, columns: dict, *, target: str, key: str, filename: str,
               shown_as: dict | None = None, metrics: tuple[str, ...] = ()) -> None:
    """A list of named staff (personal data about employees, shown to their supervisor): the table, its view
    written to the access log (the staff ids and `shown_as`, e.g. a toggle's state, in the entry's filters:
    the log's subjects are pupils), and its logged downloads. `staff` has a `staff_id` column. The view is
    logged before the table is drawn: a failed write (StateUnavailable) shows no names."""
    table = tables.table(staff, columns, page.lang)
    log_view(page, target, table.height, filters={**page.filter_values(), **(shown_as or {}),
                                                  "staff_ids": sorted(staff["staff_id"].to_list())})
    tables.show(table)
    tables.downloads(page, table, key=key, filename=filename, target=target, metrics=metrics)


def competence_by_area(page: PageContext, survey: pl.DataFrame, series: dict[str, str], *, title: str, summary: str,
                       key: str, filename: str, respondents: bool = False) -> None:
    """Competence-survey means (M5) by DigCompEdu area, a bar for each level (`series`: level -> its name,
    e.g. {'unit': 'Koulu', 'city': 'Koko kaupunki'}), with the table (and the respondents, if asked)."""
    by_area = competence.by_level(survey).with_columns(     # the DigCompEdu areas in their order 1–6
        pl.col("level").replace_strict(series, return_dtype=pl.String).alias("series"),
        labels.label("area", "area", page.lang).alias("name"))
    columns = {"name": "col.area", "series": "col.level", "mean_score": ("m5.mean", "num2"),
               **({"respondents": "col.respondents"} if respondents else {})}
    chart_with_table(page, figures.grouped_bars(by_area, x="name", series="series", y="mean_score", kind="mean",
                                                horizontal=True, colour_by="level", title=title, y_title=t("m5.mean", page.lang)),
                     tables.table(by_area, columns, page.lang), key=key, filename=filename, summary=summary,
                     metrics=("M5",))


def partial_months(page: PageContext, months: pl.Series) -> list:
    """The months among `months` the data end in before the month is over (tilannekuva.periods)."""
    day = loaders.as_of(page)
    return [m for m in months.unique().to_list() if periods.month_is_partial(m, day)]


def partial_month(page: PageContext, fig, months: pl.Series):
    """`fig` with the month the data end in (if it is among `months` and not over) drawn as partial
    (figures.mark_partial): an unfinished month is not read as a dip."""
    return figures.mark_partial(fig, partial_months(page, months), t("period.partial_month", page.lang))


def eservice_use(page: PageContext, use: pl.DataFrame, *, title: str, summary: str, key: str, filename: str,
                 logins: bool = False) -> None:
    """E-service use (M3) month by month: the share of users with access who signed in, a line per
    service (the unfinished month drawn as partial), with the table (and the sign-ins, if asked). `use`: eservice_monthly_for_unit rows."""
    lines = use.with_columns(labels.label("service", "service", page.lang).alias("series")).sort("service", "month")
    columns = {"month": ("col.month", "month"), "series": "col.service", "active_users": "col.active_users",
               "eligible_users": "col.eligible_users", **({"logins": "col.logins"} if logins else {}),
               "activation": ("col.share", "pct1")}
    chart_with_table(page, partial_month(page, figures.monthly_lines(
        lines, month="month", series="series", y="activation", kind="share", colour_by="service", title=title,
        y_title=t("metric.M3.unit", page.lang)), lines["month"]),
                     tables.table(lines, columns, page.lang), key=key, filename=filename, summary=summary,
                     metrics=("M3",))


def training_status(page: PageContext, staff: pl.DataFrame, columns: dict, *, filename: str) -> None:
    """A unit's training reach (M1) for its principal: trained, untrained and the share as KPI cards, and
    the staff by name (`columns` of staff_training_status; only the untrained unless the toggle says
    otherwise) as a logged staff list."""
    reach = training.reach(staff["is_trained"])
    kpi_row([(t("m1.trained", page.lang), fmt_number(reach.trained, page.lang), None),
             (t("m1.untrained", page.lang), fmt_number(reach.untrained, page.lang), None),
             (t("m1.share", page.lang), fmt_percent(reach.share, page.lang), None)])
    only_missing = st.toggle(t("staff.only_missing", page.lang), value=True, key="tk_only_missing")
    if (shown := training.still_missing(staff, only_missing)).is_empty():
        st.success(t("staff.all_trained", page.lang))
    else:
        staff_list(page, shown.with_columns(training.status()), columns, target="staff_training_list",
                   key="staff_training", filename=filename, shown_as={"only_missing": only_missing}, metrics=("M1",))
