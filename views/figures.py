"""Figure builders: a polars frame in, a plotly figure out. No Streamlit, no database.

Colours are the Okabe–Ito palette (colour-blind safe); lines also differ by dash and marker,
bars by pattern, so no meaning rests on colour alone. All text arrives translated from the caller,
and every text a builder puts into a figure (titles, axis titles, category and series names,
annotations) goes through `tilannekuva.inert.plotly_text`: Plotly renders a subset of HTML (`<a href>`
becomes a live link in a tick label or a legend), and names come from the source systems.

The figures are built as plain dicts and wrapped with `go.Figure(spec, _validate=False)`:
plotly's per-property validation cost 45–65 ms per chart, most of a page's server time. The
specs are validated in full by the unit tests instead (tests/unit/test_figures.py).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from tilannekuva.i18n import fmt_percent
from tilannekuva.inert import plotly_text

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
MARKERS = ["circle", "square", "diamond", "triangle-up", "x", "cross"]
PATTERNS = ["", "/", ".", "x", "-", "+"]
FONT = {"family": "Source Sans Pro, Arial, sans-serif", "size": 14, "color": "#1f1f1f"}
TICKS = {"count": ",d", "share": ".0%", "mean": ".1f", "grade": ".1f"}


def _figure(data: list[dict], title: str, y_title: str, kind: str = "count", x_title: str = "",
            **layout) -> go.Figure:
    spec = {
        "data": data,
        "layout": {
            "title": {"text": plotly_text(title), "x": 0, "xanchor": "left"},
            "font": FONT,
            "template": _template(),
            "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
            "legend": {"orientation": "h", "yanchor": "bottom", "y": -0.3, "x": 0},
            "separators": SEPARATORS["fi"],     # localize() sets the reader's
            "hovermode": "x unified",
            "xaxis": {"title": {"text": plotly_text(x_title)}, "type": "category"},
            "yaxis": {"title": {"text": plotly_text(y_title)}, "rangemode": "tozero", "tickformat": TICKS[kind]},
            **layout,
        },
    }
    return go.Figure(spec, _validate=False)


_TEMPLATE: dict | None = None


def _template() -> dict:
    """plotly_white as a dict, looked up once (reading it from plotly.io.templates is slow)."""
    global _TEMPLATE
    if _TEMPLATE is None:
        import plotly.io as pio
        _TEMPLATE = pio.templates["plotly_white"].to_plotly_json()
    return _TEMPLATE


def _series(frame: pl.DataFrame, series: str) -> list:
    return frame[series].unique(maintain_order=True).to_list()


def _texts(values: list) -> list:
    """Category values as inert Plotly text (numbers and dates stay as they are)."""
    return [plotly_text(v) if isinstance(v, str) else v for v in values]


def share_trend(frame: pl.DataFrame, *, x: str, series: str, y: str, title: str, y_title: str,
                target: float | None = None, target_label: str = "", kind: str = "share") -> go.Figure:
    """One line per series value over the x categories (e.g. reach by sector over school years).
    kind "share": 0–100 % axis; kind "mean": the 1–5 rating scale."""
    hover = "%{y:.0%}" if kind == "share" else "%{y:.2f}"
    data = []
    for i, name in enumerate(_series(frame, series)):
        part = frame.filter(pl.col(series) == name)
        data.append({
            "type": "scatter", "x": _texts(part[x].to_list()), "y": part[y].to_list(), "name": plotly_text(name),
            "mode": "lines+markers",
            "line": {"color": OKABE_ITO[i % len(OKABE_ITO)], "dash": DASHES[i % len(DASHES)], "width": 3},
            "marker": {"symbol": MARKERS[i % len(MARKERS)], "size": 9},
            "hovertemplate": hover + "<extra>%{fullData.name}</extra>",
        })
    shapes, annotations = [], []
    if target is not None:
        shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": target, "y1": target,
                       "line": {"color": "#444444", "dash": "dot", "width": 2}})
        annotations.append({"xref": "paper", "x": 0, "yref": "y", "y": target, "text": plotly_text(target_label),
                            "showarrow": False, "xanchor": "left", "yanchor": "bottom"})
    fig = _figure(data, title, y_title, kind, shapes=shapes, annotations=annotations)
    if kind == "share":
        fig.layout.yaxis.range = [0, max(1.05, (target or 0) + 0.05)]
    else:
        fig.layout.yaxis.update(range=[1, 5.2], tickformat=".1f", rangemode="normal")
    return fig


def mark_partial(fig: go.Figure, partial_x: list, label: str) -> go.Figure:
    """Draw the points at `partial_x` (a period the data cover only in part: an unfinished school year,
    term or month; tilannekuva.periods) as partial, so they are not read as a fall: each line's segment
    into such a point dotted and thin, the point an open marker with '(kesken)' after the series' name in
    the hover, and one legend entry '○ kesken'. Figures without lines (bars) are left as they are."""
    marked = set(partial_x)
    extra = []
    for trace in fig.data:
        if trace.type != "scatter" or not trace.x or trace.mode == "lines":
            continue
        xs, ys = list(trace.x), list(trace.y)
        hits = [i for i, x in enumerate(xs) if x in marked or (isinstance(x, str) and x in _texts(list(marked)))]
        if not hits:
            continue
        first, colour = hits[0], trace.line.color
        if first > 0:   # the segment into the partial point: dotted, no hover of its own
            extra.append({"type": "scatter", "x": xs[first - 1:], "y": ys[first - 1:], "mode": "lines",
                          "hoverinfo": "skip", "showlegend": False, "legendgroup": trace.name,
                          "line": {"color": colour, "dash": "dot", "width": 2}})
        extra.append({"type": "scatter", "x": xs[first:], "y": ys[first:], "mode": "markers", "showlegend": False,
                      "name": f"{trace.name} ({plotly_text(label)})", "legendgroup": trace.name,
                      "marker": {"symbol": "circle-open", "size": 12, "color": colour, "line": {"width": 2}},
                      "hovertemplate": trace.hovertemplate})
        trace.update(x=xs[:first], y=ys[:first], legendgroup=trace.name)
    if extra:
        extra.append({"type": "scatter", "x": [None], "y": [None], "mode": "lines+markers", "name": plotly_text(label),
                      "line": {"color": "#666666", "dash": "dot", "width": 2}, "hoverinfo": "skip",
                      "marker": {"symbol": "circle-open", "size": 12, "color": "#666666"}})
        fig.add_traces(extra)
    return fig


def reform_trend(frame: pl.DataFrame, *, x: str, series: str, y: str, title: str, y_title: str,
                 break_before: str, break_label: str) -> go.Figure:
    """Shares over school years where the series change at a reform: each series is drawn only
    where it has values, and a vertical line marks the break, so old and new never join."""
    fig = share_trend(frame, x=x, series=series, y=y, title=title, y_title=y_title)
    categories = frame[x].unique(maintain_order=True).to_list()
    if break_before in categories:
        position = categories.index(break_before) - 0.5
        fig.layout.shapes = [*fig.layout.shapes, {
            "type": "line", "xref": "x", "x0": position, "x1": position, "yref": "paper", "y0": 0, "y1": 1,
            "line": {"color": "#1f1f1f", "dash": "dash", "width": 2}}]
        fig.layout.annotations = [*fig.layout.annotations, {
            "xref": "x", "x": position, "yref": "paper", "y": 1.0, "text": plotly_text(break_label), "showarrow": False,
            "xanchor": "left", "yanchor": "top", "bgcolor": "rgba(255,255,255,0.85)"}]
    top = frame[y].drop_nulls().max() if frame.height else None
    fig.layout.yaxis.range = [0, min(1.0, (top or 0.1) * 1.25)]
    return fig


def grouped_bars(frame: pl.DataFrame, *, x: str, series: str, y: str, title: str, y_title: str,
                 horizontal: bool = False, kind: str = "count") -> go.Figure:
    """Bars per x category, one colour and pattern per series value; null values are left out."""
    data = []
    for i, name in enumerate(_series(frame, series)):
        part = frame.filter(pl.col(series) == name)
        cats, vals = _texts(part[x].to_list()), part[y].to_list()
        bar = {"type": "bar", "name": plotly_text(name),
               "marker": {"color": OKABE_ITO[i % len(OKABE_ITO)], "pattern": {"shape": PATTERNS[i % len(PATTERNS)]}}}
        data.append({**bar, "y": cats, "x": vals, "orientation": "h"} if horizontal else {**bar, "x": cats, "y": vals})
    fig = _figure(data, title, y_title, kind, barmode="group", hovermode="closest")
    if horizontal:      # bars of a readable thickness, however many categories
        fig.layout.height = 140 + 30 * len(frame[x].unique()) * max(1, len(data))
    if kind in ("mean", "grade"):
        fig.layout.yaxis.update(range=[1, 5] if kind == "mean" else [4, 10], rangemode="normal")
    if horizontal:
        fig.layout.xaxis = {"title": {"text": plotly_text(y_title)}, "type": "linear", "tickformat": TICKS[kind],
                            **({"range": [1, 5]} if kind == "mean" else {"range": [4, 10]} if kind == "grade" else {})}
        fig.layout.yaxis = {"title": {"text": ""}, "type": "category", "autorange": "reversed"}
    return fig


def monthly_lines(frame: pl.DataFrame, *, month: str, series: str, y: str, title: str, y_title: str,
                  kind: str = "hours") -> go.Figure:
    """One line per series over months (e.g. absence hours per pupil by group; kind "share" for rates)."""
    data = []
    for i, name in enumerate(_series(frame, series)):
        part = frame.filter(pl.col(series) == name).sort(month)
        data.append({
            "type": "scatter", "x": part[month].to_list(), "y": part[y].to_list(), "name": plotly_text(name),
            "mode": "lines+markers",
            "line": {"color": OKABE_ITO[i % len(OKABE_ITO)], "dash": DASHES[i % len(DASHES)], "width": 3},
            "marker": {"symbol": MARKERS[i % len(MARKERS)], "size": 8},
        })
    fig = _figure(data, title, y_title)
    fig.layout.xaxis = {"title": {"text": ""}, "type": "date", "tickformat": "%m/%Y", "dtick": "M1"}
    fig.layout.yaxis.tickformat = ".0%" if kind == "share" else ",.1f"
    return fig


SEPARATORS = {"fi": ",\u00a0", "sv": ",\u00a0", "en": ".,"}   # plotly: decimal mark, then thousands separator


def localize(fig: go.Figure, lang: str) -> go.Figure:
    """Numbers in the reader's locale: decimal comma and a space before '%' in Finnish and Swedish
    ('87 %', '1 234,5'). d3's '%' format cannot put a space before the sign, so percentage axes get
    explicit ticks and percentage hovers pre-formatted text, both from Babel (tilannekuva.i18n)."""
    fig.layout.separators = SEPARATORS[lang]
    for name in ("xaxis", "yaxis"):
        axis = fig.layout[name]
        if axis.tickformat and axis.tickformat.endswith("%"):
            values = [v for trace in fig.data for v in (trace[name[0]] or ()) if isinstance(v, (int, float))]
            low, high = axis.range or (0, max([1.0, *values]))
            step = _percent_step(high - low)
            ticks = [round(low + i * step, 4) for i in range(int((high - low) / step + 1e-9) + 1)]
            axis.update(tickformat=None, tickmode="array", tickvals=ticks,
                        ticktext=[fmt_percent(v, lang) for v in ticks])
    for trace in fig.data:
        template = trace.hovertemplate or ""
        for var in ("x", "y"):
            if "%{" + var + ":.0%}" in template:
                trace.customdata = [fmt_percent(v, lang) for v in trace[var]]
                template = template.replace("%{" + var + ":.0%}", "%{customdata}")
        trace.hovertemplate = template or None
    return fig


def _percent_step(span: float) -> float:
    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25):
        if span / step <= 8:
            return step
    return 0.5
