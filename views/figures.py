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
# One colour per category across the app (issue 18 item 10: Wilma was pink in one chart and green in the
# next, because colours went by position). A builder given `colour_by` (a column of category codes named
# after the category, as in labels.label, or that name + "_code") draws each category in its colour here, and its
# dash, marker and pattern by its place here; categories not listed, and charts without `colour_by`, go by
# position. `None` is the whole selection or the city (drawn black).
COLOURS: dict[str, dict[str | None, str]] = {
    "service": {"wilma": "#0072B2", "teams": "#E69F00", "oppimisalusta": "#009E73", "sahkoposti": "#CC79A7",
                "vaka_easiointi": "#D55E00"},
    "sector": {"varhaiskasvatus": "#E69F00", "perusopetus": "#0072B2", "lukio": "#009E73", None: "#000000"},
    "user_type": {"henkilosto": "#0072B2", "oppilas": "#009E73", "huoltaja": "#CC79A7"},
    "support_level": {"tehostettu": "#E69F00", "erityinen": "#D55E00", "ryhmakohtainen": "#56B4E9",
                      "oppilaskohtainen": "#0072B2"},
    "threshold": {"huoli": "#E69F00", "vakava": "#D55E00"},
    "language": {"fi": "#0072B2", "sv": "#009E73"},
    "level": {"own": "#D55E00", "unit": "#0072B2", "group": "#CC79A7", "sector": "#E69F00", "selection": "#000000",
              "city": "#000000"},
    "term": {"syksy": "#E69F00", "kevat": "#009E73"},
}
FONT = {"family": "Source Sans Pro, Arial, sans-serif", "size": 14, "color": "#1f1f1f"}
TICKS = {"count": ",d", "share": ".0%", "mean": ".1f", "grade": ".1f"}
BAR_TEXT = {"count": ":,d", "share": ":.1%", "mean": ":.2f", "grade": ":.2f"}   # the value written on a bar


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
            "showlegend": True,       # also for one series: Plotly hides a single trace's legend
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


def _styles(frame: pl.DataFrame, series: str, colour_by: str | None) -> list[tuple[str, int]]:
    """(colour, style index) for each series value in order: by its category's fixed colour and place
    in COLOURS when `colour_by` names a column of category codes, else by position."""
    styles = []
    for i, name in enumerate(_series(frame, series)):
        fixed = COLOURS.get((colour_by or "").removesuffix("_code"), {})
        code = frame.filter(pl.col(series) == name)[colour_by][0] if colour_by else None
        if colour_by and code in fixed:
            styles.append((fixed[code], list(fixed).index(code)))
        else:
            styles.append((OKABE_ITO[i % len(OKABE_ITO)], i))
    return styles


def _texts(values: list) -> list:
    """Category values as inert Plotly text (numbers and dates stay as they are)."""
    return [plotly_text(v) if isinstance(v, str) else v for v in values]


def share_trend(frame: pl.DataFrame, *, x: str, series: str, y: str, title: str, y_title: str,
                target: float | None = None, target_label: str = "", kind: str = "share",
                colour_by: str | None = None) -> go.Figure:
    """One line per series value over the x categories (e.g. reach by sector over school years).
    kind "share": 0–100 % axis; kind "mean": the 1–5 rating scale."""
    hover = "%{y:.0%}" if kind == "share" else "%{y:.2f}"
    data = []
    for name, (colour, i) in zip(_series(frame, series), _styles(frame, series, colour_by), strict=True):
        part = frame.filter(pl.col(series) == name)
        data.append({
            "type": "scatter", "x": _texts(part[x].to_list()), "y": part[y].to_list(), "name": plotly_text(name),
            "mode": "lines+markers",
            "line": {"color": colour, "dash": DASHES[i % len(DASHES)], "width": 3},
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
    the hover, and one legend entry '○ kesken'; a heat map's partial month column says '(kesken)' under its
    label. Figures without lines (bars) are left as they are."""
    marked = set(partial_x)
    extra = []
    for trace in fig.data:
        if trace.type == "heatmap":     # a heat map of months: the partial month's column says so in its label
            months = {m.strftime("%m/%Y") for m in marked if hasattr(m, "strftime")}
            columns = list(trace.x or ())
            if months & set(columns):
                fig.layout.xaxis.update(tickvals=columns, ticktext=[
                    f"{c}<br>({plotly_text(label)})" if c in months else c for c in columns])
            continue
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
                 break_before: str, break_label: str, colour_by: str | None = None) -> go.Figure:
    """Shares over school years where the series change at a reform: each series is drawn only
    where it has values, and a vertical line marks the break, so old and new never join."""
    fig = share_trend(frame, x=x, series=series, y=y, title=title, y_title=y_title, colour_by=colour_by)
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
                 horizontal: bool = False, kind: str = "count", colour_by: str | None = None) -> go.Figure:
    """Bars per x category, one colour and pattern per series value; null values are left out."""
    data = []
    for name, (colour, i) in zip(_series(frame, series), _styles(frame, series, colour_by), strict=True):
        part = frame.filter(pl.col(series) == name)
        cats, vals = _texts(part[x].to_list()), part[y].to_list()
        value = "x" if horizontal else "y"     # the value on each bar, not only in the collapsed table
        bar = {"type": "bar", "name": plotly_text(name),
               "marker": {"color": colour, "pattern": {"shape": PATTERNS[i % len(PATTERNS)]}},
               "texttemplate": "%{" + value + BAR_TEXT[kind] + "}", "textposition": "outside", "cliponaxis": False,
               "hovertemplate": "%{" + ("y" if horizontal else "x") + "}: %{" + value + BAR_TEXT[kind] + "}"
                                "<extra>%{fullData.name}</extra>"}
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
                  kind: str = "hours", colour_by: str | None = None) -> go.Figure:
    """One line per series over months (e.g. absence hours per pupil by group; kind "share" for rates)."""
    data = []
    for name, (colour, i) in zip(_series(frame, series), _styles(frame, series, colour_by), strict=True):
        part = frame.filter(pl.col(series) == name).sort(month)
        data.append({
            "type": "scatter", "x": part[month].to_list(), "y": part[y].to_list(), "name": plotly_text(name),
            "mode": "lines+markers",
            "line": {"color": colour, "dash": DASHES[i % len(DASHES)], "width": 3},
            "marker": {"symbol": MARKERS[i % len(MARKERS)], "size": 8},
        })
    fig = _figure(data, title, y_title)
    fig.layout.xaxis = {"title": {"text": ""}, "type": "date", "tickformat": "%m/%Y", "dtick": "M1"}
    fig.layout.yaxis.tickformat = ".0%" if kind == "share" else ",.1f"
    return fig


def heatmap(frame: pl.DataFrame, *, x: str, rows: str, z: str, title: str, z_title: str, kind: str = "hours",
            x_dates: bool = False) -> go.Figure:
    """A grid of `rows` (e.g. 40 groups) × `x` (months, support levels), each cell coloured by `z` and
    labelled with its value: one trace and a colour bar instead of a line or bar per row, so it stays
    readable however many rows there are (issue 18 item 9: 37 lines under a legend that covered the
    month axis; 74 bars with rotated labels). Rows in the frame's order, top down; a missing or hidden
    cell stays empty. `kind`: "count" (whole numbers) or "hours" (one decimal). `x_dates`: the x values
    are month dates, shown as 09/2026."""
    row_names = frame[rows].unique(maintain_order=True).to_list()
    columns = sorted(frame[x].unique().to_list()) if x_dates else frame[x].unique(maintain_order=True).to_list()
    cells = {(r, c): v for r, c, v in frame.select(rows, x, z).iter_rows()}
    values = [[cells.get((r, c)) for c in columns] for r in row_names]
    labels = [c.strftime("%m/%Y") for c in columns] if x_dates else columns
    number = ",d" if kind == "count" else ",.1f"
    data = [{
        "type": "heatmap", "x": _texts(labels), "y": _texts(row_names), "z": values, "xgap": 2, "ygap": 2,
        "colorscale": HEAT, "zmin": 0, "texttemplate": "%{z:" + number + "}", "hoverongaps": False,
        "colorbar": {"title": {"text": plotly_text(z_title), "side": "right"}, "thickness": 14,
                     "tickformat": ",d" if kind == "count" else ",.1f"},
        "hovertemplate": "%{y} · %{x}: %{z:" + number + "}<extra></extra>",
    }]
    fig = _figure(data, title, "", kind="count", showlegend=False, hovermode="closest",
                  height=140 + 26 * max(len(row_names), 3))
    fig.layout.xaxis = {"title": {"text": ""}, "type": "category", "side": "top", "tickangle": 0}
    fig.layout.yaxis = {"title": {"text": ""}, "type": "category", "autorange": "reversed", "automargin": True}
    return fig


HEAT = [[0.0, "#f7fbff"], [0.5, "#6baed6"], [1.0, "#08306b"]]   # light = few, dark = many (plotly's "Blues" is reversed)
MAX_SERIES = 6     # more groups than this get a heat map: more lines or bar pairs are unreadable


def groups_by_month(frame: pl.DataFrame, *, month: str, group: str, y: str, title: str, y_title: str) -> go.Figure:
    """A value per group and month (absence hours per pupil): a line per group for a few groups, a heat
    map of groups × months for more (a principal's 37 groups)."""
    if frame[group].n_unique() <= MAX_SERIES:
        return monthly_lines(frame, month=month, series=group, y=y, title=title, y_title=y_title)
    return heatmap(frame, x=month, rows=group, z=y, title=title, z_title=y_title, x_dates=True)


def groups_by_series(frame: pl.DataFrame, *, group: str, series: str, y: str, title: str, y_title: str,
                     colour_by: str | None = None) -> go.Figure:
    """A count per group and series (pupils in support by level): grouped bars for a few groups, a heat map
    of groups × series for more (74 bars with rotated labels for 37 groups)."""
    if frame[group].n_unique() <= MAX_SERIES:
        return grouped_bars(frame, x=group, series=series, y=y, title=title, y_title=y_title, colour_by=colour_by)
    return heatmap(frame, x=series, rows=group, z=y, title=title, z_title=y_title, kind="count")


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
            if not axis.range:      # fit the axis to the data: 0–100 % ticks on 3 % bars left one tick, "0 %"
                axis.range = [0, _percent_top(max(values, default=0))]
            low, high = axis.range
            step = _percent_step(high - low)
            ticks = [round(low + i * step, 4) for i in range(int((high - low) / step + 1e-9) + 1)]
            decimals = 1 if step < 0.01 else 0
            axis.update(tickformat=None, tickmode="array", tickvals=ticks,
                        ticktext=[fmt_percent(v, lang, decimals) for v in ticks])
    for trace in fig.data:
        for attr in ("hovertemplate", "texttemplate"):
            template = trace[attr] or ""
            for var in ("x", "y"):
                for decimals in (0, 1):
                    field = "%{" + var + f":.{decimals}%" + "}"
                    if field in template:
                        trace.customdata = [fmt_percent(v, lang, decimals) for v in trace[var]]
                        template = template.replace(field, "%{customdata}")
            trace[attr] = template or None
    return fig


def _percent_top(high: float) -> float:
    """The top of a share axis a little above the highest value, at a round tick (at most 100 %)."""
    if high >= 0.8:
        return max(1.0, high * 1.05)
    step = _percent_step(high * 1.2)
    return min(1.0, (int(high * 1.2 / step) + 1) * step)


def _percent_step(span: float) -> float:
    for step in (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25):
        if span / step <= 8:
            return step
    return 0.5
