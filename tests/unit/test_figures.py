"""Figure builders, without Streamlit: the traces carry exactly the frame's numbers."""

import datetime as dt

import plotly.graph_objects as go
import polars as pl
import pytest

from views import figures

REACH = pl.DataFrame(
    {
        "year": ["2025–2026", "2026–2027"] * 2,
        "series": ["Lukio", "Lukio", "Koko kaupunki", "Koko kaupunki"],
        "share": [0.8, 0.5, 0.7, 0.45],
    }
)


def test_share_trend_has_one_line_per_series_and_a_target():
    fig = figures.share_trend(
        REACH, x="year", series="series", y="share", title="T", y_title="Y", target=1.0, target_label="Tavoite"
    )
    assert [t.name for t in fig.data] == ["Lukio", "Koko kaupunki"]
    assert list(fig.data[0].y) == [0.8, 0.5]
    assert fig.data[0].line.dash != fig.data[1].line.dash  # not colour alone
    assert fig.layout.shapes[0].y0 == 1.0
    assert fig.layout.separators == ",\u00a0"  # Finnish until localize() sets the reader's


def test_grouped_bars_leave_suppressed_cells_out_as_nulls():
    f = pl.DataFrame({"d": ["A", "A", "B"], "lang": ["fi", "sv", "fi"], "n": [30, None, 12]})
    fig = figures.grouped_bars(f, x="d", series="lang", y="n", title="T", y_title="N")
    assert [list(t.y) for t in fig.data] == [[30, 12], [None]]


def test_monthly_lines_sorted_by_month():
    f = pl.DataFrame({"m": [dt.date(2026, 10, 1), dt.date(2026, 9, 1)], "g": ["7A", "7A"], "v": [2.0, 1.0]})
    fig = figures.monthly_lines(f, month="m", series="g", y="v", title="T", y_title="V")
    assert list(fig.data[0].y) == [1.0, 2.0]


def _builders():
    trend = REACH.rename({"year": "x"})
    return {
        "share_trend": lambda: figures.share_trend(
            trend, x="x", series="series", y="share", title="T", y_title="Y", target=1.0, target_label="Tavoite"
        ),
        "mean_trend": lambda: figures.share_trend(
            trend.with_columns(pl.col("share") * 5),
            x="x",
            series="series",
            y="share",
            title="T",
            y_title="Y",
            kind="mean",
        ),
        "reform_trend": lambda: figures.reform_trend(
            trend,
            x="x",
            series="series",
            y="share",
            title="T",
            y_title="Y",
            break_before="2026–2027",
            break_label="Uudistus",
        ),
        "bars": lambda: figures.grouped_bars(
            trend, x="x", series="series", y="share", title="T", y_title="Y", kind="share"
        ),
        "horizontal_mean_bars": lambda: figures.grouped_bars(
            trend, x="x", series="series", y="share", title="T", y_title="Y", horizontal=True, kind="mean"
        ),
        "monthly_lines": lambda: figures.monthly_lines(
            pl.DataFrame({"m": [dt.date(2026, 9, 1)], "g": ["7A"], "v": [1.0]}),
            month="m",
            series="g",
            y="v",
            title="T",
            y_title="V",
        ),
    }


@pytest.mark.parametrize("lang", [None, "fi", "sv", "en"])
@pytest.mark.parametrize("name", list(_builders()))
def test_every_figure_is_a_valid_plotly_spec(name, lang):
    """The builders skip plotly's validation for speed; here every spec is validated in full,
    as built and as localized for each language."""
    fig = _builders()[name]()
    if lang:
        figures.localize(fig, lang)
    go.Figure(fig.to_dict())  # raises on any unknown property or bad value


@pytest.mark.parametrize(
    "lang, separators, tick, hover",
    [
        ("fi", ",\u00a0", "20\u00a0%", "80\u00a0%"),
        ("sv", ",\u00a0", "20\u00a0%", "80\u00a0%"),
        ("en", ".,", "20%", "80%"),
    ],
)
def test_percentages_are_written_as_the_reader_writes_them(lang, separators, tick, hover):
    """d3 writes '20%'; Finnish and Swedish write '20 %'. Share axes get Babel-formatted ticks,
    share hovers pre-formatted text, and the separators follow the language."""
    fig = figures.localize(
        figures.share_trend(REACH, x="year", series="series", y="share", title="T", y_title="Y"), lang
    )
    assert fig.layout.separators == separators
    assert not fig.layout.yaxis.tickformat
    assert tick in fig.layout.yaxis.ticktext
    assert list(fig.layout.yaxis.tickvals)[:2] == [0.0, 0.2]
    assert fig.data[0].customdata[0] == hover and "%{customdata}" in fig.data[0].hovertemplate
    bars = figures.localize(
        figures.grouped_bars(
            REACH, x="year", series="series", y="share", title="T", y_title="Y", kind="share", horizontal=True
        ),
        lang,
    )
    assert tick in bars.layout.xaxis.ticktext


def test_counts_and_means_keep_their_number_format():
    fig = figures.localize(
        figures.grouped_bars(REACH, x="year", series="series", y="share", title="T", y_title="Y", kind="mean"), "fi"
    )
    assert fig.layout.yaxis.tickformat == ".1f" and fig.layout.yaxis.ticktext is None


def test_reform_trend_marks_the_break_between_the_categories():
    fig = figures.reform_trend(
        REACH,
        x="year",
        series="series",
        y="share",
        title="T",
        y_title="Y",
        break_before="2026–2027",
        break_label="Uudistus 1.8.2025",
    )
    line = [s for s in fig.layout.shapes if s.xref == "x"][0]
    assert line.x0 == line.x1 == 0.5 and line.line.dash == "dash"
    assert fig.layout.annotations[-1].text == "Uudistus 1.8.2025"


# --- issue 18: charts --------------------------------------------------------------------------------

DISTRICTS = pl.DataFrame(
    {
        "district": ["Keskusta", "Keskusta", "Pohjoinen", "Pohjoinen"],
        "series": ["Tehostettu", "Erityinen", "Tehostettu", "Erityinen"],
        "share": [0.034, 0.021, 0.052, 0.018],
    }
)


@pytest.mark.parametrize(
    "lang, on_bar",
    [("fi", "3,4\u00a0%"), ("sv", "3,4\u00a0%"), ("en", "3.4%")],
)
@pytest.mark.parametrize("horizontal", [False, True])
def test_small_shares_get_an_axis_fitted_to_them_and_their_values_on_the_bars(lang, on_bar, horizontal):
    """Item 8: district shares of 2–5 % drew ticks 0..100 % on an axis Plotly fitted to 5 %: one tick, '0 %'.
    Now the axis ends a little above the highest bar with several ticks inside, and each bar says its value."""
    fig = figures.localize(
        figures.grouped_bars(
            DISTRICTS,
            x="district",
            series="series",
            y="share",
            title="T",
            y_title="Y",
            kind="share",
            horizontal=horizontal,
        ),
        lang,
    )
    axis = fig.layout.xaxis if horizontal else fig.layout.yaxis
    low, high = axis.range
    assert low == 0 and 0.052 <= high <= 0.1
    inside = [v for v in axis.tickvals if low <= v <= high]
    assert len(inside) >= 4
    assert fig.data[0].texttemplate == "%{customdata}" and fig.data[0].customdata[0] == on_bar
    go.Figure(fig.to_dict())  # still a valid spec


def _forty_groups() -> tuple[pl.DataFrame, pl.DataFrame]:
    """A principal's unit with 40 groups: absence hours by month, and pupils in support by level."""
    groups = [f"{grade}{letter}" for grade in range(1, 11) for letter in "ABCD"]
    months = [dt.date(2026, m, 1) for m in (8, 9, 10, 11)]
    absences = pl.DataFrame(
        [(g, m, 1.0 + i % 7 + j / 10) for i, g in enumerate(groups) for j, m in enumerate(months)],
        schema=["group_name", "month", "hours_per_pupil"],
        orient="row",
    )
    support = pl.DataFrame(
        [
            (g, s, code, 5 + i % 9)
            for i, g in enumerate(groups)
            for s, code in (("Ryhmä", "ryhmakohtainen"), ("Oppilas", "oppilaskohtainen"))
        ],
        schema=["group_name", "series", "support_level", "pupils"],
        orient="row",
    )
    return absences, support


@pytest.mark.parametrize("which", ["absences", "support"])
def test_forty_groups_stay_readable(which):
    """Item 9: 37 groups drew 37 lines under a legend covering the month axis, and 74 bars with rotated
    labels. With 40 groups the figure is one heat map: one trace, no legend, horizontal labels, a row per
    group tall enough to read, and every value written in its cell."""
    absences, support = _forty_groups()
    if which == "absences":
        fig = figures.groups_by_month(
            absences, month="month", group="group_name", y="hours_per_pupil", title="T", y_title="h"
        )
    else:
        fig = figures.groups_by_series(
            support, group="group_name", series="series", y="pupils", title="T", y_title="N", colour_by="support_level"
        )
    fig = figures.localize(fig, "fi")
    assert len(fig.data) == 1 and fig.data[0].type == "heatmap"
    assert fig.layout.showlegend is False
    assert fig.layout.xaxis.tickangle == 0
    assert list(fig.data[0].y) == absences["group_name"].unique(maintain_order=True).to_list()
    assert fig.layout.height >= 40 * 20
    assert fig.data[0].texttemplate
    assert fig.data[0].colorscale[0][1] == "#f7fbff"  # light for few, dark for many
    go.Figure(fig.to_dict())


def test_a_few_groups_keep_their_lines():
    absences, _ = _forty_groups()
    few = absences.filter(pl.col("group_name").is_in(["1A", "1B"]))
    fig = figures.groups_by_month(few, month="month", group="group_name", y="hours_per_pupil", title="T", y_title="h")
    assert [t.name for t in fig.data] == ["1A", "1B"] and fig.layout.showlegend is True


def _colours_by_name(fig) -> dict[str, str]:
    return {t.name: (t.line.color if t.type == "scatter" else t.marker.color) for t in fig.data}


def _category_frame(column, codes):
    return pl.DataFrame(
        {
            "x": ["a"] * len(codes),
            "month": [dt.date(2026, 9, 1)] * len(codes),
            column: codes,
            "name": [f"name of {c}" for c in codes],
            "value": [0.5] * len(codes),
        }
    )


CATEGORY_SUBSETS = [
    # (category column, the categories of one chart, of another chart): Wilma was pink beside three other
    # services (staff) and another colour alone (guardians).
    ("service", ["oppimisalusta", "sahkoposti", "teams", "wilma"], ["wilma"]),
    ("service", ["wilma", "vaka_easiointi"], ["teams", "vaka_easiointi"]),
    ("sector", ["varhaiskasvatus", "perusopetus", "lukio", None], ["lukio", None]),
    ("support_level", ["tehostettu", "erityinen", "ryhmakohtainen", "oppilaskohtainen"], ["oppilaskohtainen"]),
    ("threshold", ["huoli", "vakava"], ["vakava"]),
    ("language_code", ["fi", "sv"], ["sv"]),
    ("level", ["unit", "sector", "city"], ["unit", "city"]),
    ("level", ["group", "unit"], ["unit"]),
    ("term", ["syksy", "kevat"], ["kevat"]),
]


@pytest.mark.parametrize("column, one, other", CATEGORY_SUBSETS)
def test_a_category_has_one_colour_in_every_figure(column, one, other):
    """Item 10: colours went by a series' position, so a category changed colour from chart to chart.
    Now each category has its colour in figures.COLOURS, whatever else the chart shows, in lines and bars."""
    seen: dict[str, set] = {}
    for codes in (one, other):
        frame = _category_frame(column, codes)
        for fig in (
            figures.share_trend(frame, x="x", series="name", y="value", title="T", y_title="Y", colour_by=column),
            figures.monthly_lines(
                frame, month="month", series="name", y="value", title="T", y_title="Y", colour_by=column
            ),
            figures.grouped_bars(frame, x="x", series="name", y="value", title="T", y_title="Y", colour_by=column),
        ):
            for name, colour in _colours_by_name(fig).items():
                seen.setdefault(name, set()).add(colour)
    fixed = figures.COLOURS[column.removesuffix("_code")]
    for code in {*one, *other}:
        assert seen[f"name of {code}"] == {fixed[code]}


def test_categories_in_one_dimension_have_distinct_colours_except_the_totals():
    for dimension, colours in figures.COLOURS.items():
        own = [c for code, c in colours.items() if code not in (None, "city", "selection")]
        assert len(own) == len(set(own)), dimension


def test_a_single_series_still_has_its_legend():
    """Item 10: a single-line chart had no legend (Plotly hides one trace's legend)."""
    fig = figures.monthly_lines(
        pl.DataFrame({"m": [dt.date(2026, 9, 1)], "g": ["Virtanen Aino"], "v": [1.0]}),
        month="m",
        series="g",
        y="v",
        title="T",
        y_title="V",
    )
    assert fig.layout.showlegend is True


@pytest.mark.parametrize(
    "partial, solid, open_points",
    [
        (["2026–2027"], [0.8], [0.5]),  # the unfinished year leaves the solid line, drawn open and dotted
        ([], [0.8, 0.5], None),  # nothing unfinished: the figure as it was
    ],
)
def test_mark_partial_draws_the_unfinished_period_apart(partial, solid, open_points):
    fig = figures.share_trend(REACH, x="year", series="series", y="share", title="T", y_title="Y")
    fig = figures.mark_partial(fig, partial, "kesken")
    assert list(fig.data[0].y) == solid
    marked = [t for t in fig.data if t.marker and t.marker.symbol == "circle-open" and t.name and "(kesken)" in t.name]
    assert (list(marked[0].y) if marked else None) == open_points
    go.Figure(fig.to_dict())  # a valid figure
    if partial:
        assert [t.name for t in fig.data if t.showlegend is not False][-1] == "kesken"  # one legend entry
