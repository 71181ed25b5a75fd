"""Figure builders: a polars frame in, a plotly figure out. No Streamlit, no database.

Colours are the Okabe–Ito palette (colour-blind safe); lines also differ by dash and marker,
so no meaning rests on colour alone. All text arrives translated from the caller.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
MARKERS = ["circle", "square", "diamond", "triangle-up", "x", "cross"]
FONT = dict(family="Source Sans Pro, Arial, sans-serif", size=14, color="#1f1f1f")


def _layout(fig: go.Figure, title: str, y_title: str, x_title: str = "", percent: bool = False) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left"),
        font=FONT,
        template="plotly_white",
        margin=dict(l=10, r=10, t=60, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=-0.3, x=0),
        separators=", ",  # decimal comma, thin space as thousands separator (Finnish/Swedish)
        hovermode="x unified",
    )
    fig.update_yaxes(title_text=y_title, rangemode="tozero", tickformat=".0%" if percent else ",d")
    fig.update_xaxes(title_text=x_title, type="category")
    return fig


def share_trend(frame: pl.DataFrame, *, x: str, series: str, y: str, title: str, y_title: str,
                target: float | None = None, target_label: str = "", kind: str = "share") -> go.Figure:
    """One line per series value over the x categories (e.g. reach by sector over school years).
    kind "share": 0–100 % axis; kind "mean": the 1–5 rating scale."""
    fig = go.Figure()
    hover = "%{y:.0%}" if kind == "share" else "%{y:.2f}"
    for i, (name,) in enumerate(frame.select(series).unique(maintain_order=True).rows()):
        part = frame.filter(pl.col(series) == name)
        fig.add_trace(go.Scatter(
            x=part[x].to_list(), y=part[y].to_list(), name=str(name), mode="lines+markers",
            line=dict(color=OKABE_ITO[i % len(OKABE_ITO)], dash=DASHES[i % len(DASHES)], width=3),
            marker=dict(symbol=MARKERS[i % len(MARKERS)], size=9),
            hovertemplate=hover + "<extra>%{fullData.name}</extra>",
        ))
    if target is not None:
        fig.add_hline(y=target, line=dict(color="#444444", dash="dot", width=2),
                      annotation_text=target_label, annotation_position="top left")
    fig = _layout(fig, title, y_title, percent=kind == "share")
    if kind == "share":
        fig.update_yaxes(range=[0, max(1.05, (target or 0) + 0.05)])
    else:
        fig.update_yaxes(range=[1, 5.2], tickformat=".1f", rangemode="normal")
    return fig


def reform_trend(frame: pl.DataFrame, *, x: str, series: str, y: str, title: str, y_title: str,
                 break_before: str, break_label: str) -> go.Figure:
    """Shares over school years where the series change at a reform: each series is drawn only
    where it has values, and a vertical line marks the break, so old and new never join."""
    fig = share_trend(frame, x=x, series=series, y=y, title=title, y_title=y_title)
    categories = frame[x].unique(maintain_order=True).to_list()
    if break_before in categories:
        position = categories.index(break_before) - 0.5
        fig.add_vline(x=position, line=dict(color="#1f1f1f", dash="dash", width=2))
        fig.add_annotation(x=position, y=1.0, yref="paper", text=break_label, showarrow=False,
                           xanchor="left", yanchor="top", bgcolor="rgba(255,255,255,0.85)")
    top = frame[y].drop_nulls().max() if frame.height else None
    fig.update_yaxes(range=[0, min(1.0, (top or 0.1) * 1.25)])
    return fig


def grouped_bars(frame: pl.DataFrame, *, x: str, series: str, y: str, title: str, y_title: str,
                 horizontal: bool = False, kind: str = "count") -> go.Figure:
    """Bars per x category, one colour and pattern per series value; null values are left out."""
    fig = go.Figure()
    patterns = ["", "/", ".", "x", "-", "+"]
    for i, (name,) in enumerate(frame.select(series).unique(maintain_order=True).rows()):
        part = frame.filter(pl.col(series) == name)
        cats, vals = part[x].to_list(), part[y].to_list()
        bar = dict(name=str(name), marker=dict(color=OKABE_ITO[i % len(OKABE_ITO)],
                                                   pattern=dict(shape=patterns[i % len(patterns)])))
        if horizontal:
            fig.add_trace(go.Bar(y=cats, x=vals, orientation="h", **bar))
        else:
            fig.add_trace(go.Bar(x=cats, y=vals, **bar))
    fig = _layout(fig, title, y_title, percent=kind == "share")
    fig.update_layout(barmode="group", hovermode="closest")
    value_format = {"count": ",d", "share": ".0%", "mean": ".1f"}[kind]
    if kind == "mean":
        fig.update_yaxes(tickformat=value_format, range=[1, 5], rangemode="normal")
    if horizontal:
        fig.update_xaxes(title_text=y_title, type="linear", tickformat=value_format)
        fig.update_yaxes(title_text="", type="category", autorange="reversed")
    return fig


def monthly_lines(frame: pl.DataFrame, *, month: str, series: str, y: str, title: str, y_title: str) -> go.Figure:
    """One line per series over months (e.g. absence hours per pupil by group)."""
    fig = go.Figure()
    for i, (name,) in enumerate(frame.select(series).unique(maintain_order=True).rows()):
        part = frame.filter(pl.col(series) == name).sort(month)
        fig.add_trace(go.Scatter(
            x=part[month].to_list(), y=part[y].to_list(), name=str(name), mode="lines+markers",
            line=dict(color=OKABE_ITO[i % len(OKABE_ITO)], dash=DASHES[i % len(DASHES)], width=3),
            marker=dict(symbol=MARKERS[i % len(MARKERS)], size=8),
        ))
    fig = _layout(fig, title, y_title)
    fig.update_xaxes(type="date", tickformat="%m/%Y", dtick="M1")
    fig.update_yaxes(tickformat=",.1f")
    return fig
