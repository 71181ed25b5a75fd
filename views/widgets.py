"""Reusable page parts: the school-year filter, KPI rows, chart + table + download blocks."""

from __future__ import annotations

import datetime as dt
import html
import logging

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from tilannekuva.access import Principal
from tilannekuva.export import to_csv_fi, to_xlsx
from tilannekuva.i18n import fmt_date, fmt_number, fmt_percent, t
from tilannekuva.inert import md
from tilannekuva.metrics import METRICS, SECTORS
from views import figures, loaders, session
from views.session import language
from views.tables import _remove_from_media_later

log = logging.getLogger("tilannekuva.app")

YEAR_PARAM = "lukuvuosi"
REMEMBER = "tk_url_"        # session_state prefix: the last value of each URL-backed filter
NOTICES = "tk_url_notices"  # session_state: refused URL values still to be told about


def url_select(param: str, options: list, labels: dict, default, *, label_key: str, bad_key: str, key: str,
               principal: Principal) -> object:
    """A sidebar select whose value lives in the URL (?param=value) so a view can be shared.

    A URL value outside `options` (e.g. someone else's unit) is ignored with a message and a log line.
    """
    lang = language()
    wanted = st.query_params.get(param)
    remembered = st.session_state.get(REMEMBER + param, default)
    chosen = remembered if remembered in options else default
    if wanted is not None and wanted != str(remembered):
        # The URL was not written by this session's last run: a shared link or an edited address.
        match = [o for o in options if o is not None and str(o) == wanted]
        if match:
            chosen = match[0]
        else:
            log.warning("ignored ?%s=%r from %s: not among the allowed values", param, wanted, principal.username)
            # Kept for a few runs: the sign-in cookie reruns a freshly loaded page once.
            st.session_state.setdefault(NOTICES, {})[param] = [t(bad_key, lang), 3]
        if key in st.session_state:
            st.session_state[key] = chosen
    notice = st.session_state.get(NOTICES, {}).get(param)
    if notice:
        st.warning(notice[0])
        notice[1] -= 1
        if notice[1] <= 0:
            del st.session_state[NOTICES][param]
    value = st.sidebar.selectbox(t(label_key, lang), options, index=options.index(chosen), format_func=labels.get,
                                 key=key, disabled=len(options) == 1)
    # Remembered for the session (filters survive page changes) and kept in the URL (shareable);
    # None = "all" and is left out of the URL.
    st.session_state[REMEMBER + param] = value
    context = st.session_state.setdefault(session.EXPORT_CONTEXT, {"page": "", "filters": {}})
    context["filters"][param] = (t(label_key, lang), str(labels.get(value, value)), value)
    if value is None:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = str(value)
    return value


def metric_filter(principal: Principal) -> str:
    """The strategy metric a page shows (?mittari=M1…M6), M1 by default."""
    lang = language()
    ids = list(METRICS)
    return url_select("mittari", ids, {m: f"{m} {t(f'metric.{m}.name', lang)}" for m in ids}, "M1",
                      label_key="filter.metric", bad_key="filter.bad_value", key="tk_metric", principal=principal)


def area_filters(principal: Principal, units: pl.DataFrame) -> dict:
    """Sector, district and language filters (?sektori=, ?alue=, ?kieli=), from the units in scope."""
    lang = language()
    everything = t("filter.all", lang)
    sectors = [None, *[s for s in SECTORS if s in set(units["sector"])]]
    districts = units.select("district_id", "district_sv" if lang == "sv" else "district_fi").unique().sort("district_id")
    languages = [None, *[x for x in ("fi", "sv") if x in set(units["language"])]]
    sector = url_select("sektori", sectors, {None: everything, **{s: t(f"sector.{s}", lang) for s in SECTORS}},
                        None, label_key="filter.sector", bad_key="filter.bad_value", key="tk_sector",
                        principal=principal)
    district = url_select("alue", [None, *districts["district_id"].to_list()],
                          {None: everything, **dict(districts.rows())}, None, label_key="filter.district",
                          bad_key="filter.bad_value", key="tk_district", principal=principal)
    language_ = url_select("kieli", languages, {None: everything, **{x: t(f"language.{x}", lang) for x in ("fi", "sv")}},
                           None, label_key="filter.language", bad_key="filter.bad_value", key="tk_language",
                           principal=principal)
    return {"sector": sector, "district_id": district, "language": language_}


def school_year_filter(principal: Principal) -> dict:
    """The school year, kept in the URL (?lukuvuosi=2026); the current year by default."""
    years = loaders.frame(principal, "school_years")
    ids = years["school_year_id"].to_list()
    labels = dict(zip(ids, years["label"].to_list(), strict=True))
    default = (years.filter(pl.col("is_current"))["school_year_id"].to_list() or ids[:1])[0]
    year = url_select(YEAR_PARAM, ids, labels, default, label_key="filter.school_year", bad_key="filter.bad_year",
                      key="tk_school_year", principal=principal)
    return {"school_year_id": year, "label": labels[year]}


def kpi_row(items: list[tuple[str, str, str | None]]) -> None:
    """A row of st.metric: (label, value, delta or None)."""
    for column, (label, value, delta) in zip(st.columns(len(items)), items, strict=True):
        column.metric(label, value, delta)


def chart_block(fig: go.Figure, table: pl.DataFrame, *, key: str, summary: str, filename: str,
                audit: dict | None = None) -> None:
    """A chart, a one-sentence summary, and the same numbers as a table with CSV and Excel
    downloads (the Excel file titled with the chart's title)."""
    lang = language()
    plot(fig, key=key)
    st.caption(summary)
    with st.expander(t("table.show", lang)):
        show_table(table)
        # The figure's title is Plotly text (entities escaped); the Excel sheet gets it as written.
        downloads(table, key=key, filename=filename, title=html.unescape(fig.layout.title.text or ""), audit=audit)


def plot(fig: go.Figure, *, key: str) -> None:
    """A plotly chart with numbers in the reader's locale."""
    st.plotly_chart(figures.localize(fig, language()), key=key, config={"displaylogo": False})


def data_as_of(principal: Principal) -> None:
    lang = language()
    text = _as_of_text(principal, lang)
    if text:
        st.caption(text)


def _as_of_text(principal: Principal, lang: str) -> str | None:
    """'Tiedot ajalta 20.11.2026 asti.' — the newest data-as-of date of the sources, None if no data."""
    fresh = loaders.frame(principal, "data_freshness")
    return None if fresh.is_empty() else t("app.data_as_of", lang, date=fmt_date(fresh["data_as_of"].max(), lang))


def count_or_hidden(values: pl.Series) -> str:
    """A pupil count for a KPI: the number, or 'hidden' when suppressed, '–' when none."""
    lang = language()
    if values.len() == 0:
        return "–"
    value = values[0]
    return t("suppression.short", lang) if value is None else fmt_number(value, lang)


def table(frame: pl.DataFrame, columns: dict[str, str], lang: str, percent: tuple[str, ...] = (),
          decimals: dict[str, int] | None = None) -> pl.DataFrame:
    """The columns a chart shows, with translated headers; shares as percentages (one decimal);
    a suppressed cell stays empty and is marked in a note column."""
    out = [((pl.col(c) * 100).round(1) if c in percent else
            pl.col(c).round((decimals or {}).get(c, 2)) if (decimals or {}).get(c) is not None else pl.col(c))
           .alias(t(key, lang) + (" (%)" if c in percent else "")) for c, key in columns.items()]
    result = frame.select(out)
    if "is_suppressed" in frame.columns and frame["is_suppressed"].any():
        result = result.with_columns(frame["is_suppressed"].replace_strict(
            {True: t("suppression.cell", lang), False: ""}).alias(t("col.note", lang)))
    return result


def filter_summary(area: dict, units: pl.DataFrame) -> str:
    """'Perusopetus · Eteläinen · kaikki kielet' — what the page is filtered to, in words, as Markdown
    (the district's name is data: escaped)."""
    lang = language()
    parts = [t(f"sector.{area['sector']}", lang) if area["sector"] else t("filter.all_sectors", lang)]
    if area["district_id"] is not None:
        hit = units.filter(pl.col("district_id") == area["district_id"])
        parts.append(md(hit["district_sv" if lang == "sv" else "district_fi"][0]) if hit.height else "–")
    else:
        parts.append(t("filter.all_districts", lang))
    parts.append(t(f"language.{area['language']}", lang) if area["language"] else t("filter.all_languages", lang))
    return " · ".join(parts)


def metric_value(metric: str, value: float | None, lang: str | None = None) -> str:
    """A metric's value as users read it: shares as '87 %', ratings as '4,12'. Pass `lang` when
    called from polars' map_elements (which may run off the script thread, without the session)."""
    lang = lang or language()
    if value is None:
        return "–"
    return fmt_percent(value, lang) if METRICS[metric].kind == "share" else fmt_number(value, lang, 2)


def metric_delta(metric: str, value: float | None, previous: float | None) -> str | None:
    """The change from the previous year: percentage points for shares, points for means."""
    lang = language()
    if value is None or previous is None:
        return None
    if METRICS[metric].kind == "share":
        return t("delta.points", lang, value=fmt_number((value - previous) * 100, lang, 1), sign=_sign(value - previous))
    return t("delta.mean", lang, value=fmt_number(value - previous, lang, 2), sign=_sign(value - previous))


def _sign(x: float) -> str:
    return "+" if x > 0 else ""


def light_badge(light: str) -> str:
    """The traffic light as an icon and words, so no meaning rests on colour alone."""
    icon = {"green": ":material/check_circle:", "amber": ":material/error:", "red": ":material/cancel:",
            "none": ":material/remove:"}[light]
    colour = {"green": "green", "amber": "orange", "red": "red", "none": "gray"}[light]
    return f":{colour}[{icon} {t(f'light.{light}', language())}]"


def area_params(area: dict) -> dict:
    """The area filters as URL parameters (for links that keep the selection)."""
    names = {"sector": "sektori", "district_id": "alue", "language": "kieli"}
    return {names[k]: str(v) for k, v in area.items() if v is not None}


def downloads(frame: pl.DataFrame, *, key: str, filename: str, title: str | None = None,
              audit: dict | None = None) -> None:
    """CSV and Excel downloads of exactly the table shown. The Excel sheet starts with the title (the
    page's, unless given), the filters, the data-as-of date and the suppression rule. With `audit`
    (principal, target, page, filters, subjects) the log entry names the personal data and the pupils.

    No file exists before a logged click: `data=` is a producer Streamlit runs only when the button
    is clicked (in a worker thread); it builds the file, then writes the access-log entry (no entry, no
    file: if logging fails the bytes are dropped; a file that cannot be built is not logged); Streamlit
    keeps the file at /media/<content hash> for the browser to fetch; it is
    removed from there `download_seconds` later (docs/SECURITY.md: what must guard /media meanwhile).
    The producer first checks that the sign-in that rendered the button is still active (a stale tab after
    sign-out in another gets nothing and logs nothing).
    Without a signed-in page context there is nothing to log, so no download is offered; personal-data
    downloads (`audit`) are not offered while an admin views the app as someone else (read-only principal)."""
    lang = language()
    context = st.session_state.get(session.EXPORT_CONTEXT) or {"page": "", "filters": {}}
    principal = context.get("principal")        # set by the page's guard on this run
    if audit is not None and principal is not None and principal.read_only:
        st.caption(t("viewas.no_downloads", lang))  # personal data: not downloadable while viewing as someone
        return
    if audit is None and principal is not None:
        audit = {"principal": principal, "target": filename, "page": context["page"],
                 "filters": {param: str(value) for param, (_, _, value) in context["filters"].items()}}
    conf = session.settings()
    signed_in = session.signed_in_principal()   # who signed in (an admin viewing as someone stays the admin)
    if audit is None or conf is None or signed_in is None:
        return
    store, sid = session.security_store(conf), st.session_state.get(session.TOKEN_KEY)
    entry = loaders.access_entry(audit["principal"], "export", audit["target"], audit["page"], audit["filters"],
                                 frame.height, audit.get("subjects", ()))
    page_title = t(f"page.{context['page']}", lang) if context["page"] else t("app.title", lang)
    meta = export_meta(principal, title or page_title, context["filters"], frame, lang)
    sheet = title or page_title

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
            _remove_from_media_later(content, mime, name, conf.download_seconds)
            return content
        return produce

    csv_mime, xlsx_mime = "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    left, right = st.columns(2)
    left.download_button(t("table.download_csv", lang),
                         producer("csv", csv_mime, f"{filename}.csv", lambda: to_csv_fi(frame)),
                         file_name=f"{filename}.csv", mime=csv_mime, key=f"{key}_csv", on_click="ignore")
    right.download_button(t("table.download_xlsx", lang),
                          producer("xlsx", xlsx_mime, f"{filename}.xlsx", lambda: to_xlsx(frame, sheet=sheet, meta=meta)),
                          file_name=f"{filename}.xlsx", mime=xlsx_mime, key=f"{key}_xlsx", on_click="ignore")


def export_meta(principal: Principal | None, title: str, filters: dict, frame: pl.DataFrame, lang: str) -> list[str]:
    """The lines above an exported table: title, filters, data-as-of date, suppression rule, who and when
    (the signed-in user: an admin using "see what this user sees" is the one downloading)."""
    chosen = " · ".join(f"{label}: {value}" for label, value, _ in filters.values()) or t("export.no_filters", lang)
    lines = [title, t("export.filters", lang, filters=chosen)]
    if principal is not None:
        if as_of := _as_of_text(principal, lang):
            lines.append(as_of)
        conf = session.settings()
        threshold = conf.suppression_threshold if conf is not None else 5
        hidden = frame[t("col.note", lang)].str.len_chars().gt(0).sum() if t("col.note", lang) in frame.columns else 0
        lines.append(t("export.suppressed", lang, threshold=threshold, hidden=hidden)
                     if principal.suppress_pupil_aggregates else t("export.confidential", lang))
        actual = st.session_state.get(session.PRINCIPAL_KEY) or principal
        lines.append(t("export.made", lang, user=actual.display_name,
                       date=fmt_date(dt.datetime.now(), lang, with_time=True)))
    return lines


def show_table(frame: pl.DataFrame, **kwargs) -> None:
    """st.dataframe with numbers in the reader's locale (1 234,5 in Finnish), no index, and an empty
    cell shown as '–' (Streamlit's default is the English word 'None')."""
    numeric = {c: st.column_config.NumberColumn(format="localized")
               for c, dtype in frame.schema.items() if dtype.is_numeric()}
    st.dataframe(frame, hide_index=True, column_config=numeric, placeholder="–", **kwargs)


def unit_switcher(principal: Principal) -> dict:
    """The principal's unit (?yksikko=, a select when they lead several); stops with a message if none."""
    lang = language()
    units = loaders.frame(principal, "units_in_scope")
    if units.is_empty():
        st.info(t("empty.no_units", lang))
        st.stop()
    unit_ids = units["unit_id"].to_list()
    unit_id = url_select("yksikko", unit_ids, dict(zip(unit_ids, units["name"].to_list(), strict=True)), unit_ids[0],
                         label_key="filter.unit", bad_key="filter.bad_unit", key="tk_unit", principal=principal)
    return units.filter(pl.col("unit_id") == unit_id).row(0, named=True)


def signal_table(listed: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Support signals as the pupil list a principal or teacher reads: name, group, each reason in
    words with the figures behind it, and the support in force (none, by definition)."""
    def reasons(row: dict) -> str:
        texts = []
        for code in row["reasons"]:
            values = {"earlier": fmt_number(row["earlier_hours"], lang, 1), "recent": fmt_number(row["recent_hours"], lang, 1),
                      "term": fmt_number(row["term_hours"], lang, 1), "previous": fmt_number(row["previous_mean"], lang, 2),
                      "latest": fmt_number(row["latest_mean"], lang, 2), "lowest": row["min_grade"]}
            texts.append(t(f"signal.{code}", lang, **values))
        return "; ".join(texts)

    return pl.DataFrame({
        t("col.last_name", lang): listed["last_name"], t("col.first_name", lang): listed["first_name"],
        t("col.group", lang): listed["group_name"],
        t("col.reasons", lang): [reasons(r) for r in listed.iter_rows(named=True)],
    })


def support_text(forms: str | None, lang: str) -> str:
    """'tehostettu_tuki, tukiopetus' -> 'Tehostettu tuki (ennen 1.8.2025), Tukiopetus' in `lang` (explicit:
    this runs inside polars' map_elements, which may run off the script thread, without the session)."""
    return ", ".join(t(f"support_form.{code.strip()}", lang) for code in (forms or "").split(",") if code.strip())
