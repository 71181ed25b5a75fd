"""Principal pages through AppTest on the tiny demo city: values against the test's own SQL, a
principal of unit A never sees unit B (URL, filters, downloads), a principal of two units
switches between them, and opening the pupil list is written to the access log."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import OfferedDownloads
from tests.helpers import login, open_as, tables_of, truth
from tests.rawstate import state_db
from tilannekuva.audit import AccessLog
from tilannekuva.i18n import fmt_number, fmt_percent, t

YEAR = 2026
NUMBER = re.compile(r"\d[\d\u00a0 ]*(?:,\d+)?")


def open_page(user: str, page: str, **params) -> AppTest:
    at = open_as(user, page, **params)
    assert not at.exception, at.exception
    return at


def everything_shown(at) -> str:
    parts = [
        str(e.value)
        for kind in ("title", "header", "markdown", "caption", "info", "warning", "success")
        for e in getattr(at, kind)
    ]
    parts += [df.value.to_csv() for df in tables_of(at)]
    parts += [chart.proto.spec for chart in at.get("plotly_chart")]
    return "\n".join(parts)


def unit_of(principals, user):
    return principals[user].unit_ids[0]


def test_my_unit_shows_six_metrics_beside_sector_and_city(demo_env, principals):
    unit = unit_of(principals, "rehtori")
    at = open_page("rehtori", "principal_unit", lukuvuosi="2025")
    ((name,),) = truth(demo_env, "select name from dim_unit where unit_id = $u", u=unit)
    assert at.title[0].value == name
    ((m1,),) = truth(
        demo_env, "select trained / staff from agg_training_reach where unit_id = $u and school_year_id = 2025", u=unit
    )
    values = [m.value for m in at.metric]
    assert len(values) == 6 and values[0] == fmt_percent(m1)
    ((sector_m1,),) = truth(
        demo_env,
        "select sum(trained) / sum(staff) from agg_training_reach r join dim_unit u "
        "using (unit_id) where school_year_id = 2025 and u.sector = "
        "(select sector from dim_unit where unit_id = $u)",
        u=unit,
    )
    assert any(fmt_percent(sector_m1) in c.value for c in at.caption)  # the M1 card's benchmark line
    table = tables_of(at)[0].value
    assert table[name].tolist()[0] == fmt_percent(m1)


def test_staff_page_names_who_lacks_training_and_hides_survey_answers(demo_env, principals):
    unit = unit_of(principals, "rehtori")
    at = open_page("rehtori", "principal_staff", lukuvuosi="2025")
    missing = truth(
        demo_env,
        """
        select s.last_name from fct_employment e join dim_staff s using (staff_id)
        where e.unit_id = $u and e.school_year_id = 2025 and not exists (
            select 1 from fct_training_participation p join dim_training t using (training_id)
            where p.staff_id = e.staff_id and t.school_year_id = 2025)""",
        u=unit,
    )
    m = {x.label: x.value for x in at.metric}
    assert m[t("m1.untrained")] == fmt_number(len(missing))
    listed = tables_of(at)[0].value
    assert sorted(listed[t("col.last_name")]) == sorted(r[0] for r in missing)
    # Competence by area: unit means only, never a staff member's own answers.
    ((respondents,),) = truth(
        demo_env,
        "select count(distinct response_id) from fct_competence_survey where unit_id = $u and school_year_id = 2025",
        u=unit,
    )
    survey = next(df.value for df in tables_of(at) if t("col.respondents") in df.value.columns)
    unit_rows = survey[
        survey[t("col.level")] == truth(demo_env, "select name from dim_unit where unit_id = $u", u=unit)[0][0]
    ]
    if respondents >= 5:
        assert set(unit_rows[t("col.respondents")]) == {respondents}
    else:
        assert unit_rows[t("m5.mean")].isna().all()
    assert "staff_id" not in everything_shown(at)


def test_support_signals_list_names_reasons_and_is_logged(demo_env, principals):
    log = AccessLog(state_db(demo_env, "access_log"))
    before = len([e for e in log.entries(username="rehtori") if e.target == "support_signals"])
    at = login("rehtori")  # the real form: its sign-in entry is checked below
    at.switch_page("pages/principal_support.py").run()
    assert not at.exception, at.exception
    signals = next(df.value for df in tables_of(at) if t("col.reasons") in df.value.columns)
    assert len(signals) > 0 and signals[t("col.reasons")].str.len().min() > 5
    # Nobody listed has support in force; every listed pupil is in the principal's unit.
    unit = unit_of(principals, "rehtori")
    supported = {
        (r[0], r[1])
        for r in truth(
            demo_env,
            """
        select p.last_name, p.first_name from fct_support_decision d join dim_pupil p using (pupil_id)
        join fct_enrolment e on e.pupil_id = d.pupil_id and e.school_year_id = d.school_year_id
        where d.school_year_id = $y and e.unit_id = $u""",
            y=YEAR,
            u=unit,
        )
    }
    in_unit = {
        (r[0], r[1])
        for r in truth(
            demo_env,
            """
        select p.last_name, p.first_name from fct_enrolment e join dim_pupil p using (pupil_id)
        where e.school_year_id = $y and e.unit_id = $u""",
            y=YEAR,
            u=unit,
        )
    }
    listed = set(zip(signals[t("col.last_name")], signals[t("col.first_name")], strict=True))
    assert listed <= in_unit
    assert len(listed - supported) > 0  # (names repeat in the synthetic city, so no strict disjointness)
    entries = [e for e in log.entries(username="rehtori") if e.target == "support_signals"]
    assert len(entries) == before + 1
    assert log.entries(username="rehtori")[-1].action == "sign_in" or any(
        e.action == "sign_in" for e in log.entries(username="rehtori")
    )
    assert entries[0].target == "support_signals" and entries[0].rows == len(signals)
    assert {"yksikko": unit, "lukuvuosi": YEAR, "scope": "units", "units": [unit]}.items() <= entries[0].filters.items()
    assert log.verify() == (True, None)


@pytest.mark.parametrize("page", ["principal_unit", "principal_staff", "principal_support", "principal_eservices"])
def test_a_principal_of_one_unit_never_sees_another_units_data(demo_env, principals, monkeypatch, page):
    mine = unit_of(principals, "rehtori")
    other = next(u for u in principals["rehtori2"].unit_ids if u != mine)
    ((other_name,),) = truth(demo_env, "select name from dim_unit where unit_id = $u", u=other)
    own_people = {
        r[0]
        for r in truth(
            demo_env,
            """
        select p.last_name || ' ' || p.first_name from fct_enrolment e join dim_pupil p using (pupil_id)
        where e.unit_id = $m and e.school_year_id = $y
        union select s.last_name || ' ' || s.first_name from fct_employment e join dim_staff s using (staff_id)
        where e.unit_id = $m and e.school_year_id = $y""",
            y=YEAR,
            m=mine,
        )
    }
    offered = OfferedDownloads(monkeypatch)
    at = open_page("rehtori", page, yksikko=str(other))  # someone else's unit in the URL
    assert t("filter.bad_unit") in [w.value for w in at.warning]
    shown = everything_shown(at)
    assert other_name not in shown
    assert at.title[0].value != other_name
    text = "\n".join(d.decode("utf-8-sig", errors="ignore") for _, d in offered.produced())
    assert other_name not in text
    names_shown = {
        f"{r[t('col.last_name')]} {r[t('col.first_name')]}"
        for df in tables_of(at)
        if t("col.last_name") in df.value.columns
        for _, r in df.value.iterrows()
    }
    assert names_shown <= own_people  # every person shown belongs to the principal's own unit


def test_a_principal_of_two_units_switches_between_them(demo_env, principals):
    first, second = principals["rehtori2"].unit_ids[:2]
    names = dict(truth(demo_env, "select unit_id, name from dim_unit where unit_id in ($a, $b)", a=first, b=second))
    at = open_page("rehtori2", "principal_unit")
    switcher = at.sidebar.selectbox(key="tk_unit")
    assert set(switcher.options) == set(names.values())
    shown_first = at.title[0].value
    switcher.set_value(second if names[first] == shown_first else first).run()
    assert not at.exception
    assert at.title[0].value != shown_first and at.title[0].value in names.values()
    at.switch_page("pages/principal_support.py").run()  # the choice follows to the next page
    assert at.title[0].value != shown_first


def test_eservice_counts_are_a_note_not_a_change(demo_env):
    """Issue 18 item 6: '182 / 236' is what the share is made of, not a change: it sits under the value as text,
    and the cards have no delta pill (no arrow, no colour)."""
    at = open_page("rehtori", "principal_eservices")
    assert not at.exception
    assert at.metric and all(not m.proto.delta for m in at.metric)
    assert any(" / " in c.value for c in at.caption)


@pytest.mark.parametrize("user, page", [("rehtori", "principal_eservices"), ("rehtori2", "principal_eservices")])
def test_a_service_has_the_same_colour_in_every_chart_of_the_page(demo_env, user, page):
    """Issue 18 item 10: Wilma was pink in the staff's chart and green in the guardians' (colours went by a
    line's position among the services each chart happened to show)."""
    import json

    at = open_page(user, page)
    colours: dict[str, set] = {}
    charts = at.get("plotly_chart")
    assert len(charts) >= 2
    for chart in charts:
        for trace in json.loads(chart.proto.spec)["data"]:
            colour = trace.get("line", {}).get("color") or trace.get("marker", {}).get("color")
            if trace.get("name") and trace.get("x") != [None]:  # a dotted partial segment or the legend key: no name
                colours.setdefault(trace["name"].removesuffix(f" ({t('period.partial_month')})"), set()).add(colour)
    assert "Wilma" in colours
    assert {name: c for name, c in colours.items() if len(c) > 1} == {}


@pytest.mark.parametrize("user, page", [("rehtori", "principal_eservices"), ("rehtori", "principal_support")])
def test_month_columns_read_as_months(demo_env, user, page):
    """Issue 18 item 11: tables showed raw timestamps ('2026-08-01 00:00:00') in their month column."""
    import re

    at = open_page(user, page)
    months = [df.value[t("col.month")] for df in tables_of(at) if t("col.month") in df.value.columns]
    assert months
    for column in months:
        assert all(isinstance(v, str) and re.fullmatch(r"[a-zäö]+ \d{4}", v) for v in column), column.tolist()[:3]


@pytest.mark.parametrize(
    "user, page, params",
    [
        ("rehtori", "principal_staff", {"lukuvuosi": "2025"}),
        ("rehtori", "principal_staff", {"lukuvuosi": "2024"}),
        ("johto", "sector_metric", {"mittari": "M5", "lukuvuosi": "2025"}),
    ],
)
def test_competence_areas_are_in_digcompedu_order(demo_env, user, page, params):
    """Issue 18 item 11: the areas came sorted by code ('4 Arviointi' second); each competence chart now
    lists them 1 to 6 top down."""
    import json

    at = open_page(user, page, **params)
    area_charts = []
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            numbered = [a for a in trace.get("y") or [] if isinstance(a, str) and a[:1].isdigit()]
            if numbered:
                area_charts.append(numbered)
    assert area_charts
    for numbered in area_charts:
        assert [a[0] for a in numbered] == sorted(a[0] for a in numbered), numbered


@pytest.mark.parametrize("year", ["2025", "2026"])
def test_eservices_page_counts_people_and_equals_the_units_m3(demo_env, principals, year):
    """Issue 18 item 3: the e-services page counted user × service pairs ('182 / 236' for a school of 59
    staff) from the latest, partial month, and equalled no M3 anywhere. Now: people active in any service
    against the people with access, the monthly mean of the complete months: 'everyone' equals the unit
    page's M3 card for the same year, and active ≤ people with access ≤ the staff employed."""
    unit = unit_of(principals, "rehtori")
    unit_page = open_page("rehtori", "principal_unit", lukuvuosi=year)
    m3_card = unit_page.metric[2].value  # M1, M2, M3, … in order
    at = open_page("rehtori", "principal_eservices", lukuvuosi=year)
    ((staff,),) = truth(
        demo_env, "select count(*) from fct_employment where unit_id = $u and school_year_id = $y", u=unit, y=int(year)
    )
    labels = [m.label for m in at.metric]
    note = at.caption[labels.index(t("user_type.henkilosto"))].value  # the note under each card, in card order
    active, people = (float(re.sub(r"[\s\u00a0]", "", x).replace(",", ".")) for x in NUMBER.findall(note)[:2])
    assert active <= people <= staff, note  # was '182 / 236' for 59 staff
    assert at.metric[labels.index(t("eservices.everyone"))].value == m3_card
    period = "\n".join(c.value for c in at.caption)
    assert ("marraskuu 2026" in period) == (year == "2026")  # the partial month is named and left out


def daycare_of(demo_env, principals, user="rehtori2"):
    ((unit_id,),) = truth(
        demo_env,
        "select unit_id from dim_unit where sector = 'varhaiskasvatus' and list_contains($units, unit_id)",
        units=list(principals[user].unit_ids),
    )
    return unit_id


def charted_values(at) -> list[list]:
    """The values of each chart on the page, all its traces together (y, or x of horizontal bars; a
    legend-only trace such as the partial-period key has none)."""
    return [
        [
            v
            for trace in json.loads(chart.proto.spec)["data"]
            for v in trace.get("x" if trace.get("orientation") == "h" else "y") or []
        ]
        for chart in at.get("plotly_chart")
    ]


@pytest.mark.parametrize("page", ["principal_unit", "principal_staff", "principal_support", "principal_eservices"])
def test_a_daycare_gets_no_empty_chart_and_no_pupil_or_grade_pages(demo_env, principals, page):
    """Issue 18 item 13: a daycare's support page drew an all-zero chart ('0, 0, 0, 1, 1, 1' ticks) and spoke
    of pupils, grades and absences. Every principal page for a daycare: no chart of nothing; the support page
    says in words what ECEC has not (no grades, no absence hours) and speaks of children."""
    at = open_as("rehtori2", page)
    at.sidebar.selectbox(key="tk_unit").set_value(daycare_of(demo_env, principals)).run()
    assert not at.exception, at.exception
    for values in charted_values(at):
        assert any(v not in (0, None) for v in values), "a chart of nothing"
    if page == "principal_support":
        shown = everything_shown(at)
        assert t("psupport.ecec_note") in [i.value for i in at.info]
        for key in ("psupport.assessment_header", "psupport.absence_header", "empty.no_assessment"):
            assert t(key) not in shown
        assert "oppila" not in shown.lower()


@pytest.mark.parametrize("daycare", [False, True])
def test_the_landing_page_shows_the_units_basic_facts_and_their_trend(demo_env, principals, daycare):
    """Issue 18 item 17 (part): the principal's landing page names the unit's children or pupils, staff and
    groups in the chosen year, with their trend over the years; counts from the suppressed query."""
    if daycare:
        unit = daycare_of(demo_env, principals)
        at = open_as("rehtori2", "principal_unit")
        at.sidebar.selectbox(key="tk_unit").set_value(unit).run()
    else:
        unit = unit_of(principals, "rehtori")
        at = open_page("rehtori", "principal_unit")
    assert not at.exception, at.exception
    ((pupils, groups),) = truth(
        demo_env,
        "select count(distinct pupil_id), count(distinct group_id) from fct_enrolment e join dim_group g "
        "using (group_id) where g.unit_id = $u and e.school_year_id = $y",
        u=unit,
        y=YEAR,
    )
    ((staff,),) = truth(
        demo_env, "select count(*) from fct_employment where unit_id = $u and school_year_id = $y", u=unit, y=YEAR
    )
    shown = "\n".join(m.value for m in at.markdown)
    who = t("unit.facts_children" if daycare else "unit.facts_pupils")
    for what, count in ((who, pupils), (t("unit.facts_staff"), staff), (t("unit.facts_groups"), groups)):
        assert f"{what}: **{fmt_number(count)}** · 2022–2023 → 2026–2027: " in shown
    assert t("unit.facts_pupils" if daycare else "unit.facts_children") + ":" not in shown
