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
import hashlib
import logging

import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from tilannekuva.catalogue import catalogue, render
from tilannekuva.export import to_csv_fi, to_xlsx
from tilannekuva.i18n import fmt_date, fmt_number, t
from tilannekuva.inert import md, plain_text
from tilannekuva.metrics import METRICS, targets
from views import explain, labels, loaders, media, stores
from views.access_log import export_entry
from views.context import PageContext
from views.language import language

log = logging.getLogger("tilannekuva.app")

Column = str | tuple[str, str]


class Table(pl.DataFrame):
    """A table as shown (tables.table) with `typed`, its twin for downloads (same headers and rows: numbers,
    dates, empty hidden cells), `formats`, the Excel number format per header (or per row: a list), and
    `data_headers`, the headers that are data (a unit's name: `Text`), made inert where Markdown renders them."""

    typed: pl.DataFrame
    formats: dict
    data_headers: frozenset[str]

    @classmethod
    def of(cls, shown: pl.DataFrame, typed: pl.DataFrame, formats: dict,
           data_headers: frozenset[str] = frozenset()) -> Table:
        table = cls(shown)
        table.typed, table.formats, table.data_headers = typed, formats, data_headers
        return table

    def where(self, predicate: pl.Expr) -> Table:
        """The rows for which `predicate` (on the shown columns) holds, shown and typed alike (polars' own
        `filter` returns a plain frame: the typed twin, dates as dates for the order chooser, would be lost)."""
        mask = self.select(predicate.fill_null(False)).to_series()
        return Table.of(self.filter(mask), self.typed.filter(mask), self.formats, self.data_headers)

    def without(self, headers: list[str]) -> Table:
        """The table without the columns `headers` (shown and typed alike)."""
        return Table.of(self.drop(headers), self.typed.drop(headers),
                        {h: code for h, code in self.formats.items() if h not in headers}, self.data_headers)


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
    out, typed, formats, data_headers = [], [], {}, set()
    taken = {t("col.note", lang)}       # the note column's: a data header named so would be replaced by the notes
    for name, spec in columns.items():
        key, fmt = (spec, "as_is") if isinstance(spec, str) else spec
        expr, suffix = _formatted(name, fmt, lang, frame.schema.get(name))
        header = (key if isinstance(key, Text) else t(key, lang)) + suffix
        while header in taken:          # a header that is data (a unit named "Koko kaupunki") may repeat another
            header += "\u00a0"           # a no-break space: looks the same, is another column (polars needs unique)
        taken.add(header)
        if isinstance(key, Text):
            data_headers.add(header)
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
    return Table.of(result, typed_result, formats, frozenset(data_headers))


def show(frame: pl.DataFrame, column_config: dict | None = None, *, grid: bool = False, key: str | None = None,
         **kwargs):
    """A table as users read it: a real HTML table (st.table: `<th scope="col">` headers, text a screen reader
    walks cell by cell) with numbers in the reader's locale (1 234,5 in Finnish), every number of a column with
    the same decimals ('3,50' beside '3,61'), an empty cell as '–' and yes/no in words. Longer than SORT_ROWS
    rows: a chooser of the order (any column, ascending or descending: by value, dates as dates); longer than
    PAGE_ROWS: shown a part at a time, in the order chosen. Every cell and header is inert text (st.table
    renders Markdown: a name like `[x](https://…)` would be a link).

    The canvas grid (st.dataframe) only where a table needs it — `grid=True` (a long log), a row to click
    (`on_select`: views.drill.TABLE), or `column_config` (small charts in cells) — and at most one on a page:
    every grid numbers its cells `glide-cell-<col>-<row>`, so two repeat the same ids (WCAG 4.1.1).
    Returns what st.dataframe returns (a selection event with views.drill.TABLE in `kwargs`), else None."""
    if grid or column_config or "on_select" in kwargs:
        if isinstance(frame, Table):    # Streamlit knows polars frames by their exact type name, not a subclass's
            frame = pl.DataFrame(frame)
        numeric = {c: st.column_config.NumberColumn(format="localized", step=10.0 ** -places if places else 1)
                   for c, places in decimals(frame).items()}
        return st.dataframe(frame, hide_index=True, column_config={**numeric, **(column_config or {})},
                            placeholder="–", key=key, **kwargs)
    lang = language()
    typed = frame.typed if isinstance(frame, Table) else None
    shown = pl.DataFrame(frame)
    name = key or "tk_table_" + hashlib.sha1("\x1f".join(shown.columns).encode("utf-8")).hexdigest()[:12]
    if shown.height > SORT_ROWS:
        sort_key, n = _unique_key(f"{name}_sort")
        shown = _sorted(shown, typed, sort_key, lang, _which(shown.columns, n, lang))
    if shown.height > PAGE_ROWS:
        part_key, n = _unique_key(f"{name}_part")
        first = _part(shown.height, PAGE_ROWS, part_key, lang, _which(shown.columns, n, lang))
        shown = shown.slice(first, PAGE_ROWS)
    st.table(styled(shown, lang, frame.data_headers if isinstance(frame, Table) else frozenset()), hide_index=True)
    return None


SORT_ROWS = 8       # a real table with more rows gets a chooser of its order
PAGE_ROWS = 100     # rows of a long table sent to the browser at once (tables.paged)


def styled(frame: pl.DataFrame, lang: str, data_headers: frozenset[str] = frozenset()):
    """`frame` as st.table shows it: a pandas Styler whose values stay the frame's (what AppTest reads) and
    whose text is inert Markdown in the reader's language — numbers by Babel with the column's decimals, None as
    '–', booleans as yes/no, number lists (small trends) as '2 → 4,5 → 7'. Its cell ids (`T_<uuid>_row0_col0`,
    which Streamlit needs to find each cell's text) carry a random 12-character uuid: unique on a page.
    Streamlit renders the headers from the frame's column names, as Markdown too: `data_headers` are renamed
    to their inert text (the catalog's own headers stay as they are, and are what AppTest reads)."""
    from pandas.io.formats.style import Styler

    places = decimals(frame)
    yes, no = t("logfilter.yes", lang), t("logfilter.no", lang)

    def number(digits: int):
        return lambda value: md(fmt_number(value, lang, digits))

    def formatter(name: str, dtype: pl.DataType):
        if name in places:
            return number(places[name])
        if dtype == pl.Boolean:
            return lambda value: yes if value else no
        if isinstance(dtype, pl.List) and dtype.inner.is_numeric():
            return lambda values: " → ".join("–" if v is None or v != v else md(fmt_number(v, lang, 1)) for v in values)
        if isinstance(dtype, pl.List):
            return lambda values: ", ".join("–" if v is None else md(v) for v in values)
        return md

    formats = {name: formatter(name, dtype) for name, dtype in frame.schema.items()}
    inert, taken = {}, {name for name in frame.columns if name not in data_headers}
    for name in frame.columns:
        if name in data_headers:                # made inert, a header may read like another: a no-break space
            header = md(name)
            while header in taken:
                header += "\u00a0"
            inert[name] = header
            taken.add(header)
    shown = frame.to_pandas().rename(columns=inert)
    return Styler(shown, uuid_len=12).format({inert.get(k, k): f for k, f in formats.items()}, na_rep="–")


@st.cache_resource(show_spinner=False)
def warm_up() -> bool:
    """Once per process, while the sign-in page is shown: the first real table pays for pandas' Styler and its
    templates (0.58 s, then 0.04 s for 100 rows × 8 columns), so the landing page after signing in does not."""
    from streamlit.elements.lib.pandas_styler_utils import marshall_styler
    from streamlit.proto.ArrowData_pb2 import ArrowData

    marshall_styler(ArrowData(), styled(pl.DataFrame({"a": [1.5], "b": ["x"]}), "fi"), "warm")
    return True


def _unique_key(key: str) -> tuple[str, int]:
    """`key`, or `key` numbered when a table with the same headers already used it in this script run; and the
    number (1 for the first)."""
    ctx = get_script_run_ctx()      # streamlit 1.67: the keys used in this run (test_tables fails if that moves)
    used = ctx.shared.widget_user_keys_this_run if ctx is not None else set()
    numbered, n = key, 1
    while numbered in used:
        n += 1
        numbered = f"{key}_{n}"
    return numbered, n


def _which(headers: list[str], n: int, lang: str) -> str:
    """Which table a chooser is for, in its label: the table's first headers ('Yksikkö, Oppilaat, Osuus (%)'),
    numbered when another table of the page has the same. A page's choosers then have names that tell them
    apart in a screen reader's list of controls (attack finding: four 'Taulukon järjestys' on one page)."""
    which = ", ".join(plain_text(h).strip() for h in headers[:3]) + (", …" if len(headers) > 3 else "")
    return which if n == 1 else f"{which} ({fmt_number(n, lang)})"


def _sorted(shown: pl.DataFrame, typed: pl.DataFrame | None, key: str, lang: str, which: str) -> pl.DataFrame:
    """The chooser of a real table's order and the rows in that order: by a column's values (a Table's typed
    twin: dates as dates, shares as numbers, not their text), ascending or descending, empty and NaN cells last;
    text in the reader's alphabet (collation_key), a trend (a number list) by its latest value. Option 0 is the
    table's own order."""
    headers = shown.columns

    def option(i: int) -> str:
        if i == 0:
            return t("table.sort_own", lang)
        return t("table.sort_desc" if i % 2 == 0 else "table.sort_asc", lang,
                 column=plain_text(headers[(i - 1) // 2]))

    choice = st.selectbox(t("table.sort_of", lang, table=md(which)), range(1 + 2 * len(headers)), format_func=option,
                          key=key, placeholder=t("filter.choose", lang))
    if not choice:
        return shown
    header, descending = headers[(choice - 1) // 2], choice % 2 == 0
    source = typed if typed is not None and header in typed.columns and typed.height == shown.height else shown
    values = source[header]
    if values.dtype == pl.String:
        values = collation_key(values, lang)
    elif values.dtype.is_float():
        values = values.fill_nan(None)          # NaN is shown as '–' like null: last, not first descending
    elif isinstance(values.dtype, pl.List):
        values = values.list.last()
    order = pl.DataFrame({"value": values}).with_row_index("row").sort("value", descending=descending,
                                                                       nulls_last=True, maintain_order=True)["row"]
    return shown[order]


def collation_key(values: pl.Series, lang: str) -> pl.Series:
    """Text as the reader's alphabet orders it, vectorised: case and accents ignored (é as e, ü as y in Finnish
    and Swedish), and in Finnish and Swedish å, ä, ö after z in that order (Åberg after Zetterberg, Ärling
    after Åberg), as CLDR's fi and sv collations have them. (Code points put Ä before Å and É after Ö.)"""
    lowered = values.str.to_lowercase()
    if lang in ("fi", "sv"):
        after_z = ["\U0010fff0", "\U0010fff1", "\U0010fff2"]          # private use: above every letter
        lowered = lowered.str.replace_many(["å", "ä", "ö", "æ", "ø", "ü"], [*after_z, *after_z[1:], "y"])
    return lowered.str.normalize("NFD").str.replace_all(r"\p{M}", "")


def _part(total: int, rows: int, key: str, lang: str, which: str) -> int:
    """The chooser of which `rows` of a `total`-row table to show, and the caption saying which are shown;
    returns the position of the first row shown."""
    def span(part: int) -> str:
        return f"{fmt_number(part * rows + 1, lang)}–{fmt_number(min(total, (part + 1) * rows), lang)}"

    part = st.selectbox(t("table.part_of", lang, table=md(which)), range((total + rows - 1) // rows), format_func=span,
                        key=key, placeholder=t("filter.choose", lang))
    first = (part or 0) * rows
    st.caption(t("table.showing", lang, first=fmt_number(first + 1, lang),
                 last=fmt_number(min(total, first + rows), lang), total=fmt_number(total, lang)))
    return first


def paged(page: PageContext, table: Table, *, key: str, rows: int | None = None) -> tuple[Table, int]:
    """The part of `table` to show: all of it when it has at most `rows` rows; else `rows` at a time, in the
    table's own order, with a chooser of the part and "Näytetään 1–100 / 3 550" in the reader's language
    (a city of 3 500 units would otherwise send every row to every browser). The downloads of the table
    carry every row. Returns the rows to show and the position of their first row in `table`. (A real table
    pages itself in `show`; this is for a grid whose clicked row must be found in `table`.)"""
    total, rows = table.height, rows or PAGE_ROWS
    if total <= rows:
        return table, 0
    first = _part(total, rows, f"{key}_part", page.lang, _which(table.columns, 1, page.lang))
    shown = Table.of(table.slice(first, rows), table.typed.slice(first, rows), table.formats, table.data_headers)
    return shown, first


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
            # then held at /media for this sign-in (views/media.py; raises before holding when it cannot)
            held = media.hold(content, mime, name, page.settings.download_seconds, store, signed_in.username, sid)
            try:
                entry({"format": kind})         # then the entry: an export that cannot be logged is not handed out
            except BaseException:
                media.release(held)
                raise
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
    # The definitions and dates of an export's header are built on every run that shows a download button:
    # kept per session, language and metrics while the warehouse version and the day stay (views/explain.py).
    def lines() -> list[str]:
        items = render.entries(catalogue(), page.lang, values=render.values_of(page.settings),
                               targets=targets(page.settings.targets), guidance=page.settings.guidance,
                               assessed=explain.assessed(page))
        return render.export_lines([i for i in items if i["id"] in metrics], page.lang)
    return list(explain.memo(page, ("metric_lines", page.lang, tuple(metrics)), lines))
