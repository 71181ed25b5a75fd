"""Unfinished and closed periods on the pages (issue 18 items 2 and 4), through AppTest on the demo
city whose data end on 20.11.2026: the unfinished 2026–2027 is compared like with like and marked
partial, the spring survey (M5) shows its latest value in the autumn, and the teacher's page words a
closed year and a not-yet-open survey differently from an open one."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import open_as, tables_of, truth
from tilannekuva.i18n import fmt_date, fmt_number, fmt_percent, t
from tilannekuva.inert import md

AS_OF = dt.date(2026, 11, 20)
LAST_YEAR = fmt_date(dt.date(2025, 11, 20), "fi")
PARTIAL = t("period.partial")


def opened(user: str, page: str, **params) -> AppTest:
    at = open_as(user, page, **params)
    assert not at.exception, at.exception
    return at


def m1_to_date(home, year: int, unit: int | None = None) -> float:
    """M1 on 20.11. of `year`'s school year, from the facts (the test's own reading)."""
    ((value,),) = truth(
        home,
        """
        select count(*) filter (where exists (
                   select 1 from fct_training_participation p join dim_training t using (training_id)
                   where p.staff_id = e.staff_id and t.school_year_id = e.school_year_id
                     and p.attended_on <= make_date($y, 11, 20))) / count(*)
        from fct_employment e where e.school_year_id = $y and ($u is null or e.unit_id = $u)""",
        y=year,
        u=unit,
    )
    return value


def test_the_scorecard_compares_the_unfinished_year_with_the_same_date_last_year(demo_env):
    """Was: 'M1 47 %, ↓ −25,1 %-yks. edellisvuodesta … Jäljessä tavoitteesta' (the whole 2025–2026)."""
    at = opened("johto", "sector_scorecard")
    m1 = at.metric[0]
    assert m1.label == f"2026–2027 ({PARTIAL})"
    now, before = m1_to_date(demo_env, 2026), m1_to_date(demo_env, 2025)
    assert m1.value == fmt_percent(now)
    change = round((now - before) * 100, 1)
    assert m1.delta == t(
        "delta.points_on", value=fmt_number(change, decimals=1), sign="+" if change > 0 else "", date=LAST_YEAR
    )
    badges = " ".join(m.value for m in at.markdown)
    assert t("light.pending") in badges  # M1 and M6: no verdict before the year ends
    table = tables_of(at)[0].value
    # A header that is data (the year's label) reaches the real table as inert Markdown, shown as written.
    assert md(f"2026–2027 ({PARTIAL})") in table.columns
    rows = dict(zip(table[t("col.metric")], table[t("col.compared_with")], strict=True))
    assert rows["M1"] == LAST_YEAR and rows["M6"] == LAST_YEAR and rows["M2"] == "2025–2026"
    assert dict(zip(table[t("col.metric")], table[t("col.status")], strict=True))["M1"] == t("light.pending")
    # the trend in words marks the unfinished year's value
    assert any(f"{fmt_percent(now)} ({PARTIAL})" in c.value for c in at.caption)


def test_a_closed_year_is_compared_and_judged_as_before(demo_env):
    at = opened("johto", "sector_scorecard", lukuvuosi="2025")
    assert at.metric[0].label == "2025–2026" and t("light.pending") not in " ".join(m.value for m in at.markdown)
    assert "edellisvuodesta" in at.metric[0].delta


def test_the_principals_card_compares_with_the_same_date(demo_env):
    """Was: '34 % −13,6' against the whole last year."""
    at = opened("rehtori", "principal_unit")
    ((unit,),) = truth(demo_env, "select unit_id from dim_unit where name = $n", n=at.title[0].value)
    m1 = at.metric[0]
    assert m1.value == fmt_percent(m1_to_date(demo_env, 2026, unit))
    assert m1.delta.endswith(f"vs. {LAST_YEAR}")


@pytest.mark.parametrize("user, page", [("johto", "sector_metric"), ("rehtori", "principal_unit")])
def test_the_unfinished_year_is_drawn_as_partial_in_the_trend(demo_env, user, page):
    at = opened(user, page, mittari="M1")
    fig = at.get("plotly_chart")[0].proto.spec
    assert f"({PARTIAL})" in fig and "circle-open" in fig
    years = {y for d in tables_of(at) if t("col.school_year") in d.value.columns for y in d.value[t("col.school_year")]}
    assert f"2026–2027 ({PARTIAL})" in years and "2025–2026" in years


def test_m5_in_the_autumn_shows_the_latest_value_and_its_trend(demo_env):
    """Was: only 'Mittarille ei ole tietoja lukuvuodelta 2026–2027' and no trend."""
    at = opened("johto", "sector_metric", mittari="M5")
    ((latest,),) = truth(
        demo_env,
        "select avg(score) from fct_competence_survey where school_year_id = 2025 and area not like 'ymparisto%'",
    )
    assert {m.label: m.value for m in at.metric}[t("period.spring", year=2026)] == fmt_number(latest, decimals=2)
    assert [i.value for i in at.info] == [t("period.survey_opens", year="2026–2027")]
    assert len(at.get("plotly_chart")) == 1  # the trend of the years that exist


def test_the_m5_card_shows_its_latest_spring(demo_env):
    at = opened("johto", "sector_scorecard")
    m5 = at.metric[4]
    assert m5.label == t("period.spring", year=2026) and m5.value != "–"


def test_the_teacher_is_not_told_to_answer_a_spring_survey_in_november(demo_env):
    at = opened("opettaja", "teacher_me")
    infos = [i.value for i in at.info]
    assert t("me.survey_opens", year="2026–2027") in infos
    assert t("me.no_answers", year="2026–2027") not in infos


@pytest.mark.parametrize("year", [2022, 2023, 2024, 2025])
def test_the_teacher_reads_a_closed_year_in_the_past_tense(demo_env, principals, year):
    """Was: 'Sinulta puuttuu vielä lukuvuoden … koulutus' for a closed year."""
    staff, label = principals["opettaja"].staff_id, f"{year}–{year + 1}"
    ((answered, trained),) = truth(
        demo_env,
        """select (select count(*) from fct_competence_survey where staff_id = $s and school_year_id = $y),
                  (select count(*) from fct_training_participation p join dim_training t using (training_id)
                   where p.staff_id = $s and t.school_year_id = $y)""",
        s=staff,
        y=year,
    )
    at = opened("opettaja", "teacher_me", lukuvuosi=str(year))
    texts = [x.value for x in (*at.info, *at.warning, *at.success)]
    assert t("me.training_due", year=label) not in texts  # never "you still lack" for a closed year
    assert (t("me.training_missed", year=label) in texts) is (trained == 0)
    assert (t("me.no_answers_closed", year=label) in texts) is (answered == 0)


def chart(at: AppTest, title: str) -> str:
    """The spec (JSON) of the chart titled `title`."""
    specs = [json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("plotly_chart")]
    return next(s for s in specs if title in s)


def test_the_unfinished_autumn_term_of_absences_is_marked_not_read_as_a_dip(demo_env):
    at = opened("johto", "sector_support")
    spec = chart(at, t("absence.trend_title"))
    assert f"2026–2027 {t('term.syksy')} ({PARTIAL})" in spec and "circle-open" in spec
    assert f"2025–2026 {t('term.syksy')} ({PARTIAL})" not in spec


def test_the_unfinished_month_of_absences_is_marked(demo_env):
    """Lines (a few groups): the month an open marker; a heat map (many groups): its column's label says so."""
    at = opened("rehtori", "principal_support")
    figure = json.loads(chart(at, t("psupport.absence_title")))
    if figure["data"][0]["type"] == "heatmap":
        labelled = figure["layout"]["xaxis"]["ticktext"]
        assert [label for label in labelled if t("period.partial_month") in label] == [labelled[-1]]
    else:
        assert "circle-open" in json.dumps(figure) and t("period.partial_month") in json.dumps(
            figure, ensure_ascii=False
        )


@pytest.mark.parametrize(
    "user, page, params, closed",
    [
        ("rehtori", "principal_eservices", {}, False),  # the staff's services: November drawn open
        ("rehtori", "principal_eservices", {"lukuvuosi": "2025"}, True),  # a closed year: nothing marked
    ],
)
def test_the_unfinished_month_of_e_service_use_is_marked(demo_env, user, page, params, closed):
    """The e-services charts drew November (data to 20.11.) as a full month; now it is an open marker."""
    at = opened(user, page, **params)
    specs = [json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("plotly_chart")]
    assert specs
    marked = [s for s in specs if "circle-open" in s and t("period.partial_month") in s]
    assert (marked == []) if closed else (len(marked) == len(specs))
