"""URL-backed filters in the sidebar: the value lives in the address (?lukuvuosi=2026), so a view
can be shared; a value outside the user's options (someone else's unit, an unknown year) is ignored
with a message in the user's language and a log line. Each filter records its choice in the page
context (`page.filters`), where the export title block and the access log read it.
"""

from __future__ import annotations

import logging

import polars as pl
import streamlit as st

from tilannekuva import periods
from tilannekuva.i18n import t
from tilannekuva.inert import md, plain_text
from tilannekuva.metrics import METRICS, SECTORS
from views import loaders
from views.context import Chosen, PageContext

log = logging.getLogger("tilannekuva.app")

REMEMBER = "tk_url_"        # session_state prefix: the last value of each URL-backed filter
NOTICES = "tk_url_notices"  # session_state: refused URL values still to be told about
AREA_PARAMS = {"sector": "sektori", "district_id": "alue", "language": "kieli"}


def url_select(page: PageContext, param: str, options: list, labels: dict, default, *, label_key: str,
               bad_key: str = "filter.bad_value", key: str | None = None) -> object:
    """A sidebar select whose value lives in the URL (?param=value); None means "all" and is left out
    of the URL. The choice is remembered for the session, so filters survive page changes."""
    lang = page.lang
    key = key or f"tk_{param}"
    wanted = st.query_params.get(param)
    remembered = st.session_state.get(REMEMBER + param, default)
    chosen = remembered if remembered in options else default
    if wanted is not None and wanted != str(remembered):
        # The URL was not written by this session's last run: a shared link or an edited address.
        match = [o for o in options if o is not None and str(o) == wanted]
        if match:
            chosen = match[0]
        else:
            log.warning("ignored ?%s=%r from %s: not among the allowed values", param, wanted, page.acting.username)
            st.session_state.setdefault(NOTICES, {})[param] = bad_key
        if key in st.session_state:
            st.session_state[key] = chosen
    notice = st.session_state.get(NOTICES, {}).pop(param, None)
    if notice:
        st.warning(t(notice, lang))
    # Plain text: a source name's bidi controls must not reorder the option (attack finding on issue 22).
    shown = {option: plain_text(labels.get(option, option)) for option in options}
    value = st.sidebar.selectbox(t(label_key, lang), options, index=options.index(chosen), format_func=shown.get, placeholder=t("filter.choose", lang),
                                 key=key, disabled=len(options) == 1)
    st.session_state[REMEMBER + param] = value
    page.filters[param] = Chosen(t(label_key, lang), str(labels.get(value, value)), value)
    if value is None:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = str(value)
    return value


def metric(page: PageContext) -> str:
    """The strategy metric a page shows (?mittari=M1…M6), M1 by default."""
    ids = list(METRICS)
    return url_select(page, "mittari", ids, {m: f"{m} {t(f'metric.{m}.name', page.lang)}" for m in ids}, "M1",
                      label_key="filter.metric", key="tk_metric")


def school_year(page: PageContext) -> dict:
    """The school year (?lukuvuosi=2026), the current one by default: {'school_year_id', 'label',
    'is_current', 'partial' (the data end before the year does: tilannekuva.periods), 'previous_label'}."""
    years = loaders.frame(page, "school_years")
    ids = years["school_year_id"].to_list()
    names = dict(zip(ids, years["label"].to_list(), strict=True))
    current = years.filter(pl.col("is_current"))["school_year_id"].to_list()
    default = (current or ids[:1])[0]
    year = url_select(page, "lukuvuosi", ids, names, default, label_key="filter.school_year",
                      bad_key="filter.bad_year", key="tk_school_year")
    return {"school_year_id": year, "label": names[year], "is_current": year in current,
            "partial": periods.is_unfinished(year, loaders.as_of(page)), "previous_label": names.get(year - 1, "–")}


def area(page: PageContext, units: pl.DataFrame) -> dict:
    """Sector, district and language (?sektori=, ?alue=, ?kieli=), offered from the units in scope:
    {'sector', 'district_id', 'language'}, None for "all"."""
    lang = page.lang
    everything = t("filter.all", lang)
    sectors = [None, *[s for s in SECTORS if s in set(units["sector"])]]
    districts = units.select("district_id", district_column(lang)).unique().sort("district_id")
    languages = [None, *[x for x in ("fi", "sv") if x in set(units["language"])]]
    sector = url_select(page, "sektori", sectors, {None: everything, **{s: t(f"sector.{s}", lang) for s in SECTORS}},
                        None, label_key="filter.sector", key="tk_sector")
    district = url_select(page, "alue", [None, *districts["district_id"].to_list()],
                          {None: everything, **dict(districts.rows())}, None, label_key="filter.district",
                          key="tk_district")
    language = url_select(page, "kieli", languages,
                          {None: everything, **{x: t(f"language.{x}", lang) for x in ("fi", "sv")}}, None,
                          label_key="filter.language", key="tk_language")
    return {"sector": sector, "district_id": district, "language": language}


def district_column(lang: str) -> str:
    """The units frame's column with the district's name in `lang`."""
    return "district_sv" if lang == "sv" else "district_fi"


def own_unit(page: PageContext) -> dict:
    """The principal's unit (?yksikko=; a select when they lead several); stops with a message if none."""
    units = loaders.frame(page, "units_in_scope")
    if units.is_empty():
        st.info(t("empty.no_units", page.lang))
        st.stop()
    unit_ids = units["unit_id"].to_list()
    unit_id = url_select(page, "yksikko", unit_ids, dict(zip(unit_ids, units["name"].to_list(), strict=True)), unit_ids[0],
                         label_key="filter.unit", bad_key="filter.bad_unit", key="tk_unit")
    return units.filter(pl.col("unit_id") == unit_id).row(0, named=True)


def unit(page: PageContext, units: pl.DataFrame) -> int | None:
    """One of `units` (?yksikko=) or None for all of them (the sector lead's drill-down to a unit)."""
    ids = units["unit_id"].to_list()
    names = {None: t("filter.all_units", page.lang), **dict(zip(ids, units["name"].to_list(), strict=True))}
    return url_select(page, "yksikko", [None, *ids], names, None, label_key="filter.unit", bad_key="filter.bad_unit",
                      key="tk_units_unit")


def summary(page: PageContext, area: dict, units: pl.DataFrame) -> str:
    """'Perusopetus · Eteläinen · kaikki kielet' — what the page is filtered to, as Markdown (the
    district's name is data: escaped)."""
    lang = page.lang
    parts = [t(f"sector.{area['sector']}", lang) if area["sector"] else t("filter.all_sectors", lang)]
    if area["district_id"] is not None:
        hit = units.filter(pl.col("district_id") == area["district_id"])
        parts.append(md(hit[district_column(lang)][0]) if hit.height else "–")
    else:
        parts.append(t("filter.all_districts", lang))
    parts.append(t(f"language.{area['language']}", lang) if area["language"] else t("filter.all_languages", lang))
    return " · ".join(parts)


def breadcrumb(page: PageContext, area: dict, units: pl.DataFrame, unit_id: int | None) -> str:
    """'Koko kaupunki → Eteläinen → Koulu A · Perusopetus · …': the drill-down city → district → unit,
    then the summary of the filters (Markdown; names escaped)."""
    steps = [t("level.city", page.lang)]
    if area["district_id"] is not None:
        steps += units.filter(pl.col("district_id") == area["district_id"])[district_column(page.lang)][:1].to_list()
    if unit_id is not None:
        steps += units.filter(pl.col("unit_id") == unit_id)["name"].to_list()
    return " → ".join(md(s) for s in steps) + " · " + summary(page, area, units)


def area_params(area: dict) -> dict:
    """The area filters as URL parameters (for links that keep the selection)."""
    return {AREA_PARAMS[k]: str(v) for k, v in area.items() if v is not None}


def group(page: PageContext, groups: pl.DataFrame) -> dict:
    """One of the teacher's groups (?ryhma=; my_groups rows), the first by default, shown as
    '7A · Koulu' (a teacher may have groups of one name in two units): the chosen group's row."""
    ids = groups["group_id"].to_list()
    names = dict(groups.select("group_id", pl.format("{} · {}", "group_name", "unit_name")).rows())
    group_id = url_select(page, "ryhma", ids, names, ids[0], label_key="filter.group", bad_key="filter.bad_group",
                          key="tk_group")
    return groups.filter(pl.col("group_id") == group_id).row(0, named=True)
