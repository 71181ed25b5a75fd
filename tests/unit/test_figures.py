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
