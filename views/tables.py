"""Tables as users read them, and their logged downloads.

`table(frame, columns, lang)` picks and names the columns a table shows, each with a declared format
(Evidence's `fmt=`), so pages never format cell by cell:

    tables.table(groups, {"group_name": "col.group",                 # header key only: as it is
                          "support_level": ("col.support", "label:support_level"),   # codes to words
                          "share": ("col.share", "pct1")}, lang)    # 0.873 -> 87.3, header 'Osuus (%)'

Formats: `as_is` (default), `int`, `num0`/`num1`/`num2` (rounded, numbers stay numbers: st.dataframe
shows them in the reader's locale), `pct0`/`pct1` (a share as a percentage number, "(%)" in the
header), `label:<prefix>` (codes to words from the catalog), `date`, `datetime`, `month` (text in
the reader's language; a date column left `as_is` is shown as a `date`, never as a raw timestamp), `duration` (seconds as '26,5 s' / '1 min 12 s'), `support_forms` (a list of support-form codes in words), `metric:<column>` (a metric value as text, by the metric named in
<column>). A suppressed cell stays empty and the row is marked in a note column.

The result is a `Table`: the frame shown, carrying its typed twin for the downloads — the same rows and
headers with numbers as numbers (a share as 0.473 with the Excel format '0.0 %', a mean 3.61 with
'#,##0.00'), dates as dates, codes as words, and a hidden value as an empty cell (the page shows '–').

`downloads(page, frame, …)` offers exactly the table shown as CSV and Excel, typed; no file exists
before a logged click (see its docstring).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

import polars as pl
import streamlit as st

from tilannekuva import freshness
from tilannekuva.catalogue import catalogue, render
from tilannekuva.export import to_csv_fi, to_xlsx
from tilannekuva.i18n import fmt_date, t
from tilannekuva.metrics import METRICS, targets
from views import labels, loaders, stores
from views.access_log import export_entry
from views.context import PageContext

log = logging.getLogger("tilannekuva.app")

Column = str | tuple[str, str]


class Table(pl.DataFrame):
    """A table as shown (tables.table) with `typed`, its twin for downloads (same headers and rows: numbers,
    dates, empty hidden cells), and `formats`, the Excel number format per header (or per row: a list)."""

    typed: pl.DataFrame
    formats: dict

    @classmethod
    def of(cls, shown: pl.DataFrame, typed: pl.DataFrame, formats: dict) -> Table:
        table = cls(shown)
        table.typed, table.formats = typed, formats
        return table

    def without(self, headers: list[str]) -> Table:
        """The table without the columns `headers` (shown and typed alike)."""
        return Table.of(self.drop(headers), self.typed.drop(headers),
                        {h: code for h, code in self.formats.items() if h not in headers})


def typed_and_formats(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict]:
    """What a download writes: a Table's typed twin and formats, or any other frame as it is."""
    return (frame.typed, frame.formats) if isinstance(frame, Table) else (frame, {})


NUMBER_FORMATS = {"int": "#,##0", "num0": "#,##0", "num1": "#,##0.0", "num2": "#,##0.00", "pct0": "0 %",
                  "pct1": "0.0 %", "date": "d.m.yyyy", "datetime": "d.m.yyyy h:mm", "month": "mmmm yyyy"}
METRIC_FORMATS = {"share": "0 %", "mean": "#,##0.00"}     # as labels.metric_value shows them


class Text(str):
    """A header that is already text in the reader's language (a unit's name, a school year), not a
    catalog key: `tables.table(card, {"value": (Text(unit["name"]), "metric:metric")}, lang)`."""


def metric_number(metric: str) -> str:
    """The format of a metric's values as numbers in a table: a share as a percentage ('pct1'), a
    mean rating with two decimals ('num2')."""
    return "pct1" if METRICS[metric].kind == "share" else "num2"


def _formatted(name: str, fmt: str, lang: str, dtype: pl.DataType | None = None) -> tuple[pl.Expr, str]:
    """The expression for one column in format `fmt`, and the header suffix it needs."""
    col = pl.col(name)
    if fmt == "as_is" and (dtype == pl.Date or isinstance(dtype, pl.Datetime)):    # never '2026-08-01 00:00:00'
        fmt = "date"
    if fmt == "as_is":
        return col, ""
    if fmt == "int":
        return col.round(0).cast(pl.Int64), ""
    if fmt in ("num0", "num1", "num2"):
        return col.round(int(fmt[-1])), ""
    if fmt in ("pct0", "pct1"):
        return (col * 100).round(int(fmt[-1])), " (%)"
    if fmt.startswith("label:"):
        return labels.label(name, fmt.split(":", 1)[1], lang), ""
    if fmt in ("date", "datetime"):
        return labels.date(name, lang, with_time=fmt == "datetime"), ""
    if fmt == "month":
        return labels.month(name, lang), ""
    if fmt == "support_forms":
        return labels.support_forms(name, lang), ""
    if fmt == "duration":
        return labels.duration(name, lang), ""
    if fmt.startswith("metric:"):
        return labels.metric_value(pl.col(fmt.split(":", 1)[1]), name, lang), ""
    raise ValueError(f"unknown column format {fmt!r}")


def _typed(frame: pl.DataFrame, name: str, fmt: str, shown: pl.Expr):
    """The typed expression of one column in format `fmt` for downloads, and its Excel number format (a
    list, one per row, for a metric column). Text formats (labels) are typed as the text shown."""
    col, dtype = pl.col(name), frame.schema[name]
    if fmt in ("int", "num0", "num1", "num2", "pct0", "pct1"):
        return shown if fmt == "int" else col.round({"pct0": 2, "pct1": 3}.get(fmt, int(fmt[-1]))), NUMBER_FORMATS[fmt]
    if fmt in ("date", "datetime", "month") and dtype.is_temporal():
        return (col.cast(pl.Date) if fmt != "datetime" else col), NUMBER_FORMATS[fmt]
    if fmt.startswith("metric:"):
        kinds = frame.select(pl.col(fmt.split(":", 1)[1]).replace_strict(
            {m: spec.kind for m, spec in METRICS.items()}, default="mean", return_dtype=pl.String)).to_series()
        return col.round(2), [METRIC_FORMATS[kind] for kind in kinds.to_list()]
    return shown, None


def table(frame: pl.DataFrame, columns: dict[str, Column], lang: str) -> Table:
    """The columns a table shows, in order, with translated headers and declared formats; a
    suppressed row (`is_suppressed`) is marked in a note column. Headers are unique even when one is data
    that happens to read like another. The Table carries its typed twin for the downloads."""
    out, typed, formats, taken = [], [], {}, set()
    for name, spec in columns.items():
        key, fmt = (spec, "as_is") if isinstance(spec, str) else spec
        expr, suffix = _formatted(name, fmt, lang, frame.schema.get(name))
        header = (key if isinstance(key, Text) else t(key, lang)) + suffix
        while header in taken:          # a header that is data (a unit named "Koko kaupunki") may repeat another
            header += "\u00a0"           # a no-break space: looks the same, is another column (polars needs unique)
        taken.add(header)
        out.append(expr.alias(header))
        typed_expr, code = _typed(frame, name, fmt, expr)
        typed.append(typed_expr.alias(header))
        if code is not None:
            formats[header] = code
    result, typed_result = frame.select(out), frame.select(typed)
    if "is_suppressed" in frame.columns and frame["is_suppressed"].any():
        note = frame["is_suppressed"].replace_strict(
            {True: t("suppression.cell", lang), False: ""}).alias(t("col.note", lang))
        result, typed_result = result.with_columns(note), typed_result.with_columns(note)
    return Table.of(result, typed_result, formats)


def show(frame: pl.DataFrame, column_config: dict | None = None, **kwargs):
    """st.dataframe with numbers in the reader's locale (1 234,5 in Finnish), no index, and an empty
    cell shown as '–' (Streamlit's default is the English word 'None'); `column_config` adds to that.
    Every number of a column has the same decimals (`decimals`: '3,50' beside '3,61', not '3,5').
    Returns what st.dataframe returns (a selection event with views.drill.TABLE in `kwargs`)."""
    if isinstance(frame, Table):    # Streamlit knows polars frames by their exact type name, not a subclass's
        frame = pl.DataFrame(frame)
    numeric = {c: st.column_config.NumberColumn(format="localized", step=10.0 ** -places if places else 1)
               for c, places in decimals(frame).items()}
    return st.dataframe(frame, hide_index=True, column_config={**numeric, **(column_config or {})}, placeholder="–",
                 **kwargs)


def decimals(frame: pl.DataFrame, most: int = 3) -> dict[str, int]:
    """The decimals each numeric column of `frame` is shown with: as many as its most precise value has
    (up to `most`), so a column rounded to two decimals shows two on every row (Streamlit's 'localized'
    format drops trailing zeros: '3,5' above '3,61'). Whole-number columns have none."""
    places = {}
    for name, dtype in frame.schema.items():
        if not dtype.is_numeric():
            continue
        values = frame[name].drop_nulls().cast(pl.Float64)
        places[name] = next((d for d in range(most + 1) if dtype.is_integer() or values.is_empty()
                             or ((values * 10**d).round(0) - values * 10**d).abs().max() < 1e-6), most)
    return places


def downloads(page: PageContext, frame: pl.DataFrame, *, key: str, filename: str, title: str | None = None,
              target: str | None = None, subjects=(), filters: dict | None = None,
              metrics: tuple[str, ...] = ()) -> None:
    """CSV and Excel downloads of exactly the table shown. Both files start with the same header block
    (export_meta): the title (the page's, unless given), the filters, the data-as-of date, the suppression
    rule and, for each of the `metrics` the table shows (ids of the metric catalogue), its definition and
    its sources' data-as-of dates, a stale source marked; the CSV then has an empty line. `target` names
    personal data (e.g. 'support_signals') and `subjects` the pupils in it; otherwise the entry's target
    is the file name. `filters` replaces the page's filters in the access-log entry (not in the sheet).

    No file exists before a logged click: `data=` is a producer Streamlit runs only when the button is
    clicked (in a worker thread); it builds the file, then writes the access-log entry (no entry, no
    file: if logging fails the bytes are dropped; a file that cannot be built is not logged); Streamlit
    keeps the file at /media/<content hash> for the browser to fetch; it is removed from there
    `download_seconds` later (docs/SECURITY.md: what must guard /media meanwhile). The producer first
    checks that the sign-in that rendered the button is still active (a stale tab after sign-out in
    another gets nothing and logs nothing). Personal-data downloads (`target`) are not offered while an
    admin views the app as someone else (read-only principal)."""
    lang = page.lang
    if target is not None and page.acting.read_only:
        st.caption(t("viewas.no_downloads", lang))     # personal data: not downloadable while viewing as someone
        return
    store, sid, signed_in = stores.security_store(page.settings), page.session_id, page.signed_in
    if target is None and filters is None:      # as logged before the views layer: a plain table's filters as text
        filters = {param: str(value) for param, value in page.filter_values().items()}
    entry = export_entry(page, target or filename, frame.height, subjects, filters)
    typed, formats = typed_and_formats(frame)
    sheet = title or page.title
    meta = export_meta(page, sheet, frame, loaders.as_of_text(page), metrics)

    def producer(kind: str, mime: str, name: str, build):
        def produce() -> bytes:
            # A click comes without a rerun, so no guard has run: the sign-in that rendered this button must
            # still be active (not signed out in another tab, revoked, its role changed, or idle), else no
            # entry and no file — raising makes Streamlit answer the click with an error, not a file.
            if not store.is_active(signed_in.username, sid):
                log.warning("download of %s refused: the sign-in of %s that rendered it has ended",
                            name, signed_in.username)
                raise PermissionError("the sign-in that rendered this download has ended")
            content = build()                   # first the file: no entry for an export that failed to build
            entry({"format": kind})             # then the entry: an export that cannot be logged is not handed out
            _remove_from_media_later(content, mime, name, page.settings.download_seconds)
            return content
        return produce

    csv_mime, xlsx_mime = "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    left, right = st.columns(2)
    left.download_button(t("table.download_csv", lang),
                         producer("csv", csv_mime, f"{filename}.csv", lambda: to_csv_fi(typed, formats, meta)),
                         file_name=f"{filename}.csv", mime=csv_mime, key=f"{key}_csv", on_click="ignore")
    right.download_button(t("table.download_xlsx", lang),
                          producer("xlsx", xlsx_mime, f"{filename}.xlsx", lambda: to_xlsx(typed, sheet=sheet, meta=meta,
                                                                                 formats=formats)),
                          file_name=f"{filename}.xlsx", mime=xlsx_mime, key=f"{key}_xlsx", on_click="ignore")


def export_meta(page: PageContext, title: str, frame: pl.DataFrame, as_of: str | None,
                metrics: tuple[str, ...] = ()) -> list[str]:
    """The lines above an exported table: title, filters, data-as-of date, suppression rule, the `metrics`'
    definitions and their sources' data-as-of dates (a stale source marked "stale since …",
    tilannekuva.catalogue.render.export_lines), who and when (the signed-in user: an admin using "see what
    this user sees" is the one downloading)."""
    lang = page.lang
    chosen = " · ".join(f"{c.label}: {c.text}" for c in page.filters.values()) or t("export.no_filters", lang)
    lines = [title, t("export.filters", lang, filters=chosen)]
    if as_of:
        lines.append(as_of)
    note = t("col.note", lang)
    hidden = frame[note].str.len_chars().gt(0).sum() if note in frame.columns else 0
    lines.append(t("export.suppressed", lang, threshold=page.settings.suppression_threshold, hidden=hidden)
                 if page.acting.suppress_pupil_aggregates else t("export.confidential", lang))
    lines += metric_lines(page, metrics)
    lines.append(t("export.made", lang, user=page.signed_in.display_name,
                   date=fmt_date(dt.datetime.now(), lang, with_time=True)))
    return lines


def metric_lines(page: PageContext, metrics: tuple[str, ...]) -> list[str]:
    """Each metric's definition (the settings' hours and threshold filled in) and its sources' data-as-of
    dates on the served warehouse, judged on settings.today_date; nothing for no metrics."""
    if not metrics:
        return []
    if unknown := set(metrics) - set(catalogue().ids()):
        raise ValueError(f"no metric {', '.join(sorted(unknown))} in the catalogue")
    assessed = freshness.assess(loaders.frame(page, "data_freshness"), page.settings.today_date)
    items = render.entries(catalogue(), page.lang, values=render.values_of(page.settings),
                           targets=targets(page.settings.targets), guidance=page.settings.guidance,
                           assessed=assessed)
    return render.export_lines([i for i in items if i["id"] in metrics], page.lang)


_MEDIA_EXPIRY: dict[str, float] = {}       # /media file id -> when its last click's grace period ends
_MEDIA_LOCK = threading.Lock()


def _remove_from_media_later(content: bytes, mime: str, file_name: str, seconds: float) -> None:
    """Remove a clicked download's file from Streamlit's /media store after `seconds`, so its URL
    stops answering (Streamlit itself keeps it until later script runs sweep it: idle, that is never).
    The id is Streamlit's content hash (streamlit 1.67's MemoryMediaFileStorage; the security browser
    test fails if an upgrade changes it); a later click of the same bytes extends the period."""
    from streamlit import runtime
    from streamlit.runtime.memory_media_file_storage import _calculate_file_id

    file_id = _calculate_file_id(content, mime, file_name)
    with _MEDIA_LOCK:
        _MEDIA_EXPIRY[file_id] = time.monotonic() + seconds

    def remove() -> None:
        with _MEDIA_LOCK:
            if _MEDIA_EXPIRY.get(file_id, 0) > time.monotonic():
                return                          # clicked again meanwhile: that click's timer removes it
            _MEDIA_EXPIRY.pop(file_id, None)
        if runtime.exists():
            runtime.get_instance().media_file_mgr._storage.delete_file(file_id)

    timer = threading.Timer(seconds + 0.05, remove)
    timer.daemon = True
    timer.start()
