"""Sector leadership pages through AppTest on the tiny demo city: values checked against SQL
written here (the test's own reading of the warehouse), filters in the URL and across pages,
and no small pupil cell in any chart, table or download."""

from __future__ import annotations

import base64
import io
import itertools
import json

import numpy as np
import pandas as pd
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import OfferedDownloads, csv_parts, xlsx_parts
from tests.helpers import open_as, tables_of, truth, truth_frame
from tilannekuva.i18n import fmt_number, fmt_percent, t
from tilannekuva.metrics import METRICS

YEAR = 2026


def johto(page: str | None = None, *, lang: str | None = None, **params) -> AppTest:
    at = open_as("johto", page, lang=lang, **params)
    assert not at.exception, at.exception
    return at


def metrics_of(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def param(at, name):
    value = at.query_params.get(name)
    return value[0] if isinstance(value, list) else value


def test_overview_counts_by_sector_match_the_enrolments(demo_env):
    at = johto()  # the sector lead lands on the overview
    assert at.title[0].value == t("page.sector_overview")
    rows = dict(
        truth(
            demo_env,
            "select u.sector, count(*) from fct_enrolment e join dim_unit u using (unit_id) "
            "where e.school_year_id = $y group by all",
            y=YEAR,
        )
    )
    m = metrics_of(at)
    assert m[t("overview.total", year="2026–2027")] == fmt_number(sum(rows.values()))
    for sector, n in rows.items():
        assert m[t(f"sector.{sector}")] == fmt_number(n)
    assert len(at.get("plotly_chart")) == 3
    assert param(at, "lukuvuosi") == str(YEAR)


def test_filters_live_in_the_url_and_follow_to_the_next_page(demo_env):
    at = johto("sector_overview", sektori="perusopetus", kieli="sv")
    ((n,),) = truth(
        demo_env,
        "select count(*) from fct_enrolment e join dim_unit u using (unit_id) "
        "where e.school_year_id = $y and u.sector = 'perusopetus' and u.language = 'sv'",
        y=YEAR,
    )
    total = metrics_of(at)[t("overview.total", year="2026–2027")]
    assert total == (fmt_number(n) if n >= 5 else t("suppression.short"))
    at.query_params.clear()
    at.switch_page("pages/sector_scorecard.py").run()
    assert not at.exception
    assert param(at, "sektori") == "perusopetus" and param(at, "kieli") == "sv"
    assert t("sector.perusopetus") in at.caption[0].value


def test_someone_elses_value_in_the_url_is_refused_with_a_message(demo_env, caplog):
    at = johto("sector_metric", mittari="M9", sektori="yliopisto")
    assert at.title[0].value.startswith("M1 ")
    assert [w.value for w in at.warning].count(t("filter.bad_value")) == 2
    assert "ignored ?mittari='M9'" in caplog.text


def test_scorecard_shows_six_metrics_with_targets_and_values(demo_env):
    at = johto("sector_scorecard", lukuvuosi="2025")
    values = {m.label: m.value for m in at.metric}
    assert len(at.metric) == 6 and set(values) == {"2025–2026"}
    ((m1,),) = truth(demo_env, "select sum(trained) / sum(staff) from agg_training_reach where school_year_id = 2025")
    ((m2,),) = truth(
        demo_env,
        "select avg(rating) from fct_training_feedback f join dim_training t using (training_id) "
        "where t.school_year_id = 2025",
    )
    ((m5,),) = truth(
        demo_env,
        "select avg(score) from fct_competence_survey where school_year_id = 2025 and area not like 'ymparisto%'",
    )
    shown = [m.value for m in at.metric]
    assert (
        shown[0] == fmt_percent(m1)
        and shown[1] == fmt_number(m2, decimals=2)
        and shown[4] == fmt_number(m5, decimals=2)
    )
    table = tables_of(at)[0].value
    assert table[t("col.metric")].tolist() == ["M1", "M2", "M3", "M4", "M5", "M6"]
    assert table[t("col.target")].tolist()[0] == fmt_percent(1.0)
    assert set(table[t("col.status")]) <= {t(f"light.{x}") for x in ("green", "amber", "red", "none")}


@pytest.mark.parametrize("metric, charts", [("M1", 2), ("M2", 3), ("M5", 3)])
def test_metric_page_values_and_distributions(demo_env, metric, charts):
    at = johto("sector_metric", mittari=metric, lukuvuosi="2024")
    assert at.title[0].value.startswith(metric)
    sql = {
        "M1": "select sum(trained) / sum(staff) from agg_training_reach where school_year_id = 2024",
        "M2": "select avg(rating) from fct_training_feedback f join dim_training t using (training_id) "
        "where t.school_year_id = 2024",
        "M5": "select avg(score) from fct_competence_survey where school_year_id = 2024 and area not like 'ymparisto%'",
    }[metric]
    ((value,),) = truth(demo_env, sql)
    expected = fmt_percent(value) if metric == "M1" else fmt_number(value, decimals=2)
    assert metrics_of(at)[t("metric.value", year="2024–2025")] == expected
    assert len(at.get("plotly_chart")) == charts


def test_support_page_keeps_the_two_regimes_apart(demo_env):
    at = johto("sector_support", lukuvuosi="2025")
    ((old_share,),) = truth(
        demo_env,
        """
        select count(distinct d.pupil_id) filter (where d.support_level = 'tehostettu') / count(distinct e.pupil_id)
        from fct_enrolment e join dim_unit u using (unit_id)
        left join fct_support_decision d on d.pupil_id = e.pupil_id and d.school_year_id = e.school_year_id
        where u.sector = 'perusopetus' and e.school_year_id = 2024""",
    )
    trend = tables_of(at)[0].value
    label = f"{t('support_level.tehostettu')} ({t('regime.ennen_2025')})"
    row = trend[(trend[t("col.school_year")] == "2024–2025") & (trend[t("col.support")] == label)]
    assert row[t("col.share") + " (%)"].iloc[0] == pytest.approx(round(old_share * 100, 1))
    regimes_2025 = set(trend[trend[t("col.school_year")] == "2025–2026"][t("col.support")])
    assert any(t("regime.ennen_2025") in r for r in regimes_2025) and any(
        t("regime.alkaen_2025") in r for r in regimes_2025
    )
    new_before = trend[
        (trend[t("col.school_year")] == "2024–2025") & trend[t("col.support")].str.contains(t("regime.alkaen_2025"))
    ]
    assert new_before.empty  # the new model has no values before the reform
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert any(s.get("type") == "line" and s["line"]["dash"] == "dash" for s in spec["layout"].get("shapes", []))


def test_unit_comparison_drills_from_city_to_district_to_unit(demo_env):
    at = johto("sector_units", mittari="M1", lukuvuosi="2025")
    districts = tables_of(at)[0].value
    assert len(districts) == truth(demo_env, "select count(*) from dim_district")[0][0]
    units = tables_of(at)[1].value
    assert (
        len(units)
        == truth(demo_env, "select count(distinct unit_id) from agg_training_reach where school_year_id = 2025")[0][0]
    )
    shares = units[t("col.value") + " (%)"].dropna().tolist()
    assert shares == sorted(shares, reverse=True)  # best first
    at.query_params["alue"] = "2"
    at.run()
    only = tables_of(at)[0].value
    (names,) = zip(*truth(demo_env, "select name from dim_unit where district_id = 2"), strict=True)
    assert set(only[t("col.unit")]) <= set(names) and len(only) > 0
    ((unit_id, name),) = truth(
        demo_env, "select unit_id, name from dim_unit where district_id = 2 order by unit_id limit 1"
    )
    at.query_params["yksikko"] = str(unit_id)
    at.run()
    assert not at.exception
    assert name in [h.value for h in at.header]
    view = tables_of(at)[0].value
    assert view[t("col.metric")].tolist() == ["M1", "M2", "M3", "M4", "M5", "M6"]
    ((share,),) = truth(
        demo_env,
        "select trained / staff from agg_training_reach where unit_id = $u and school_year_id = 2025",
        u=unit_id,
    )
    assert view[name].iloc[0] == fmt_percent(share)


@pytest.mark.parametrize("metric, lang", [*[(m, "fi") for m in METRICS], ("M2", "en"), ("M5", "sv")])
def test_unit_comparison_opens_for_every_metric(demo_env, metric, lang):
    """Issue 18, item 1: for the mean metrics (M2, M5) the comparison crashed with polars' DuplicateError
    'Sektori' — the unit's sector and the sector's value had the same header in Finnish and English."""
    at = johto("sector_units", lang=lang, mittari=metric, lukuvuosi="2025")  # johto() fails on an exception
    suffix = " (%)" if METRICS[metric].kind == "share" else ""
    units = next(df.value for df in tables_of(at) if t("col.city_value", lang) + suffix in df.value.columns)
    headers = [
        t("col.unit", lang),
        t("col.sector", lang),
        t("col.value", lang) + suffix,
        t("col.sector_value", lang) + suffix,
        t("col.city_value", lang) + suffix,
    ]
    assert len(set(units.columns)) == len(units.columns) and set(headers) <= set(units.columns)
    assert len(units) > 0


def _numbers(values) -> list[float]:
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return [v for v in (values or []) if isinstance(v, (int, float))]


PUPIL_COLUMNS = ("col.pupils", "col.enrolled", "col.pupils_with_records")


@pytest.mark.parametrize(
    "page, params",
    [
        ("sector_overview", {"kieli": "sv", "sektori": "lukio"}),
        ("sector_overview", {"alue": "6"}),
        ("sector_support", {"kieli": "sv"}),
        ("sector_support", {"alue": "3", "lukuvuosi": "2024"}),
    ],
)
def test_no_small_pupil_cell_reaches_a_chart_a_table_or_a_download(demo_env, monkeypatch, page, params):
    offered = OfferedDownloads(monkeypatch)
    at = johto(page, **params)
    small = set(range(1, 5))
    headers = {t(k) for k in PUPIL_COLUMNS}
    seen_tables = 0
    for df in tables_of(at):
        for column in headers & set(df.value.columns):
            seen_tables += 1
            assert not small & set(df.value[column].dropna().astype(int)), (page, column)
    assert seen_tables > 0
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["layout"].get("yaxis", {}).get("tickformat") == ",d":  # count charts
            for trace in spec["data"]:
                assert not small & {int(v) for v in _numbers(trace.get("y")) if v == v}, page
    downloads = offered.produced()
    csvs = [data for name, data in downloads if name.endswith(".csv")]
    xlsxs = [data for name, data in downloads if name.endswith(".xlsx")]
    assert csvs and len(csvs) == len(xlsxs)
    for data in csvs:
        meta, _ = csv_parts(data)
        frame = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig", skiprows=len(meta) + 1)
        for column in headers & set(frame.columns):
            assert not small & set(frame[column].dropna().astype(int)), (page, column)
    checked = 0
    for data in xlsxs:
        meta, table = xlsx_parts(data)
        assert meta[1].startswith(t("export.filters", filters="")) and t("filter.school_year") in meta[1]
        assert meta[2].startswith(t("app.data_as_of", date="")[:10])
        assert meta[3].startswith(t("export.suppressed", threshold=5, hidden=0)[:20])
        frame = table.to_pandas()
        for column in headers & set(frame.columns):
            checked += 1
            assert not small & set(frame[column].dropna().astype(int)), (page, column)
    assert checked > 0


# Attack finding 1: the M2 page per training topic.
M2_T = 5


def _selections_with_small_m2_topics(home, limit=3):
    fb = truth_frame(
        home,
        """select t.school_year_id, t.topic, u.sector, u.district_id, u.language, count(*) as answers
                        from fct_training_feedback f join dim_training t using (training_id)
                        join dim_unit u using (unit_id) group by all""",
    )
    hidden = set(
        truth(
            home,
            """select school_year_id, sector, district_id, language
                      from pub_metric_hidden where metric = 'M2' and unit_id is null""",
        )
    )
    found = []
    sectors = [None, *sorted(fb["sector"].unique())]
    districts = [None, *sorted(fb["district_id"].unique())]
    for year in sorted(fb["school_year_id"].unique()):
        for s, d, lang in itertools.product(sectors, districts, (None, "fi", "sv")):
            sel = fb.filter(pl.col("school_year_id") == year)
            for col, v in (("sector", s), ("district_id", d), ("language", lang)):
                if v is not None:
                    sel = sel.filter(pl.col(col) == v)
            total = sel["answers"].sum()
            if total < M2_T or (year, s, d, lang) in hidden:
                continue
            small = sel.group_by("topic").agg(pl.col("answers").sum()).filter(pl.col("answers") < M2_T)
            if small.height:
                found.append((year, s, d, lang, dict(small.rows())))
    found.sort(key=lambda f: min(f[4].values()))
    return found[:limit]


def test_m2_topics_hide_every_topic_under_the_threshold(demo_env):
    """Attack finding 1 (issue 14): the M2 page showed, per training topic, the ratings of topics
    answered by 1–4 staff (test city: 3 selections checked, each showed such topics, e.g. 2022,
    district 4, fi: Tiedonhallinta 1 answer, rating 4). The topics now come from pub_feedback_topics:
    no topic row of 1–4 answers under any filter, and no rating distribution."""
    cases = _selections_with_small_m2_topics(demo_env)
    assert cases, "no selection with a small topic in the test city (nothing to attack)"
    leaks = []
    for year, sector, district, language, _small in cases:
        params = {"mittari": "M2", "lukuvuosi": str(year)}
        if sector:
            params["sektori"] = sector
        if district:
            params["alue"] = str(district)
        if language:
            params["kieli"] = language
        at = johto("sector_metric", **params)
        topic_col, answers_col = t("col.topic", "fi"), t("col.answers", "fi")
        for df in tables_of(at):
            table = df.value
            if topic_col not in table.columns or answers_col not in table.columns:
                continue
            per_topic = table.groupby(topic_col)[answers_col].sum()
            for topic, n in per_topic.items():
                if 0 < n < M2_T:
                    leaks.append((params, topic, int(n), table[table[topic_col] == topic].to_dict("records")))
    assert not leaks, f"M2 rating distributions of topics answered by fewer than {M2_T} people are shown: {leaks}"


def _trend_lines(at) -> tuple[str, list[dict]]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    # the partial-period legend key (issue 18 item 2) has no points: x = [None]
    # and its open markers and dotted segments (pieces of a line, unnamed) say nothing of lines on top of each other
    lines = [
        t
        for t in spec["data"]
        if t["type"] == "scatter"
        and None not in (t.get("x") or [None])
        and t.get("mode") != "markers"
        and t.get("name")
    ]
    return spec["layout"]["title"]["text"], lines


@pytest.mark.parametrize(
    "metric, years",
    [("M4", ["2025–2026", "2026–2027"]), ("M1", ["2022–2023", "2023–2024", "2024–2025", "2025–2026", "2026–2027"])],
)
def test_metric_trend_is_titled_by_the_years_it_shows_and_draws_no_line_over_another(demo_env, metric, years):
    """Issue 18 item 11: 'five school years' over M4's two; the selection and its sectors drawn on top of
    each other on the M1 page. The title says the span of the data; lines closer than a point each year
    are one line named for all of them, and the summary says so."""
    at = johto("sector_metric", mittari=metric)
    title, lines = _trend_lines(at)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    shown_years = sorted({x for trace in spec["data"] if trace["type"] == "scatter" for x in trace["x"] if x})
    assert shown_years == years
    assert title == t("chart.span_years", count=len(years), first=years[0], last=years[-1])
    for a, b in itertools.combinations(lines, 2):
        if a["x"] == b["x"]:
            assert max(abs(p - q) for p, q in zip(a["y"], b["y"], strict=True)) > 0.01, (a.get("name"), b.get("name"))


def test_unit_comparison_lists_the_lowest_and_those_below_target_beside_the_highest(demo_env):
    """Issue 18 item 17: only the top 15 were drawn. Now the highest, the lowest (lowest first) and the units
    below the target, each a tab, from the same numbers as the full table."""
    at = johto("sector_units", mittari="M1", lukuvuosi="2025")
    units = tables_of(at)[1].value
    value = t("col.value") + " (%)"
    valued = units.dropna(subset=[value])
    tabs = [tab.label for tab in at.tabs]
    below = valued[valued[value] < 100.0]
    assert tabs == [
        t("units.top_tab", count=min(15, len(valued))),
        t("units.bottom_tab", count=min(15, len(valued))),
        t("units.below_tab", count=len(below)),
    ]
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    (top,), (bottom,) = (c["data"] for c in charts[-2:])
    assert list(top["y"]) == valued[t("col.unit")].head(15).tolist()
    assert list(bottom["y"]) == valued[t("col.unit")].tail(15).tolist()[::-1]
    listed = next(df.value for df in tables_of(at) if t("col.to_target") + " (%)" in df.value.columns)
    assert listed[t("col.unit")].tolist() == below.sort_values(value, kind="stable")[t("col.unit")].tolist()


@pytest.mark.parametrize(
    "key, param", [("units_table", "yksikko"), ("units_open", "yksikko"), ("districts_open", "alue")]
)
def test_choosing_a_row_opens_that_unit_or_district_through_the_url_filter(demo_env, key, param):
    """Issue 18 item 17: a click on a unit's row opens it: the page writes ?yksikko= and the URL filter opens
    it, as a typed address would (the filter's scope check applies). Issue 22: the districts are a real table
    (no row to click), and the chooser under it (and under the units' grid, for keyboard users) does the same."""
    at = johto("sector_units", mittari="M1", lukuvuosi="2025")
    table = tables_of(at)[0 if key == "districts_open" else 1].value
    first = table.iloc[1][t("col.district") if key == "districts_open" else t("col.unit")]
    if key == "units_table":
        at.session_state[key] = {"selection": {"rows": [1], "columns": [], "cells": []}}
        at.run()
    else:
        chooser = at.selectbox(key=key)
        assert chooser.label == t("units.open_district" if param == "alue" else "units.open_unit")
        chooser.select_index(chooser.options.index(first)).run()
        # Empty again where it is still shown: a kept choice would open it on every run.
        assert all(s.value is None for s in at.selectbox if s.key == key)
    assert not at.exception, at.exception
    chosen = param_value = param_of(at, param)
    assert param_value is not None
    if param == "yksikko":
        ((name,),) = truth(demo_env, "select name from dim_unit where unit_id = $u", u=int(chosen))
        assert name == first and first in [h.value for h in at.header]
    else:
        ((name,),) = truth(demo_env, "select name_fi from dim_district where district_id = $d", d=int(chosen))
        assert name == first


def param_of(at, name):
    value = at.query_params.get(name)
    return value[0] if isinstance(value, list) else value


def test_choosing_a_districts_bar_on_a_metric_page_opens_its_unit_comparison(demo_env):
    """Issue 18 item 17: a click on a district's bar on the metric page opens the unit comparison of that
    district on the same metric and year (the district filter there checks the value like any address)."""
    at = johto("sector_metric", mittari="M3", lukuvuosi="2025")
    spec = json.loads(at.get("plotly_chart")[1].proto.spec)
    district = spec["data"][0]["x"][2]
    at.session_state["metric_district"] = {
        "selection": {"points": [{"curve_number": 0, "point_index": 2}], "point_indices": [2], "box": [], "lasso": []}
    }
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == t("page.sector_units")
    assert (param_of(at, "mittari"), param_of(at, "lukuvuosi")) == ("M3", "2025")
    ((name,),) = truth(demo_env, "select name_fi from dim_district where district_id = $d", d=int(param_of(at, "alue")))
    assert name == district


def test_a_tables_numbers_have_the_same_decimals_on_every_row(demo_env):
    """Issue 18 item 11: Streamlit's 'localized' number format drops trailing zeros, so a mean column read
    '3,5' above '3,61'. Each number column now carries its decimals (a step of 0.01 for two)."""
    at = johto("sector_units", mittari="M2", lukuvuosi="2025")
    units = tables_of(at)[1]
    config = json.loads(units.proto.columns)
    assert config[t("col.value")]["type_config"]["step"] == 0.01
    assert config[t("metric.M2.events")]["type_config"]["step"] == 1


@pytest.mark.parametrize("key", ["support_district", "absence_district"])
def test_a_districts_bar_on_the_support_page_narrows_the_page_to_it(demo_env, key):
    """Issue 18 item 17: a click on a district's bar (any of its series) narrows the page to that district
    through the district filter (?alue=), as the sidebar would."""
    at = johto("sector_support", lukuvuosi="2025")
    spec = next(
        json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
        if json.loads(c.proto.spec)["layout"]["title"]["text"].startswith(t(f"{key.split('_')[0]}.district_title")[:8])
    )
    district = spec["data"][1]["x"][1]
    at.session_state[key] = {
        "selection": {"points": [{"curve_number": 1, "point_index": 1}], "point_indices": [1], "box": [], "lasso": []}
    }
    at.run()
    assert not at.exception, at.exception
    ((name,),) = truth(demo_env, "select name_fi from dim_district where district_id = $d", d=int(param_of(at, "alue")))
    assert name == district


@pytest.mark.parametrize(("rows", "part"), [(5, 0), (5, 1), (4, 4)])
def test_a_long_unit_list_is_sent_a_part_at_a_time_and_downloaded_whole(demo_env, monkeypatch, rows, part):
    """Issue 21: a city of 3 500 units sent every row of the comparison to every browser (727 KiB at scale
    10). The list is shown `rows` at a time in its own order (best first) with "rows a–b of N" in the
    reader's language; choosing a part shows exactly those rows of the whole list, a click on a row of
    a part opens that unit, and the downloads still carry every unit."""
    from views import tables

    monkeypatch.setattr(tables, "PAGE_ROWS", 10_000)
    whole = tables_of(johto("sector_units", mittari="M1", lukuvuosi="2025"))[1].value
    total = len(whole)
    assert total > part * rows + 1 and total > rows  # the tiny city (18 units) has the part and the row clicked
    monkeypatch.setattr(tables, "PAGE_ROWS", rows)
    offered = OfferedDownloads(monkeypatch)
    at = johto("sector_units", mittari="M1", lukuvuosi="2025")
    if part:
        at.selectbox(key="units_table_part").set_value(part).run()
        assert not at.exception, at.exception
    shown = tables_of(at)[1].value
    first, last = part * rows + 1, min(total, (part + 1) * rows)
    assert shown[t("col.unit")].tolist() == whole[t("col.unit")].tolist()[first - 1 : last]
    assert t("table.showing", first=fmt_number(first), last=fmt_number(last), total=fmt_number(total)) in [
        c.value for c in at.caption
    ]
    csv = [data for name, data in offered.produced() if name.startswith("yksikot-m1") and name.endswith(".csv")][-1]
    assert csv_parts(csv)[1][t("col.unit")].to_list() == whole[t("col.unit")].tolist()
    at.session_state["units_table"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    chosen = param(at, "yksikko")
    ((name,),) = truth(demo_env, "select name from dim_unit where unit_id = $u", u=int(chosen))
    assert name == whole[t("col.unit")].tolist()[first]  # the second row of the part shown


def test_a_short_unit_list_has_no_parts(demo_env):
    at = johto("sector_units", mittari="M1", lukuvuosi="2025")
    assert not [s for s in at.selectbox if s.key == "units_table_part"]
    assert not [c for c in at.caption if c.value.startswith(t("table.showing", first="1", last="", total="")[:8])]
