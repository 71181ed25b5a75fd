"""Attack on issue 14 (staff small-n): the sector lead's M2 page (?mittari=M2) shows the rating
distribution of the selection *per training topic*, with each topic's answer count. pub_metric_hidden
protects only the sector × district × language × unit answer totals; the topic is a dimension the
cube does not have, so a visible selection (>= 5 answers) shows topics answered by 1–4 people
together with how each of them rated (e.g. "tiedonhallinta: 1 answer, rating 4").

The brief: "The same rule covers staff answers (feedback, competence survey) below 5."
This test finds such selections in the test city from the facts and opens the real page with the
URL filters; it fails while any topic row with 1–4 answers is shown.
"""

from __future__ import annotations

import itertools

import duckdb
import polars as pl

from tilannekuva.i18n import t
from tilannekuva.warehouse import current_file

from tests.pages.test_sector_pages import johto

T = 5


def _selections_with_small_topics(home, limit=3):
    con = duckdb.connect(str(current_file(home / "warehouse")), read_only=True)
    try:
        fb = con.sql("""select t.school_year_id, t.topic, u.sector, u.district_id, u.language, count(*) as answers
                        from fct_training_feedback f join dim_training t using (training_id)
                        join dim_unit u using (unit_id) group by all""").pl()
        hidden = {tuple(r) for r in con.sql("""select school_year_id, sector, district_id, language
                  from pub_metric_hidden where metric = 'M2' and unit_id is null""").fetchall()}
    finally:
        con.close()
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
            if total < T or (year, s, d, lang) in hidden:
                continue
            small = sel.group_by("topic").agg(pl.col("answers").sum()).filter(pl.col("answers") < T)
            if small.height:
                found.append((year, s, d, lang, dict(small.rows())))
    found.sort(key=lambda f: min(f[4].values()))
    return found[:limit]


def test_m2_distribution_hides_topics_under_the_threshold(demo_env):
    cases = _selections_with_small_topics(demo_env)
    assert cases, "no selection with a small topic in the test city (nothing to attack)"
    leaks = []
    for year, sector, district, language, small in cases:
        params = {"mittari": "M2", "lukuvuosi": str(year)}
        if sector:
            params["sektori"] = sector
        if district:
            params["alue"] = str(district)
        if language:
            params["kieli"] = language
        at = johto("sector_metric", **params)
        topic_col, answers_col = t("col.topic", "fi"), t("col.answers", "fi")
        for df in at.dataframe:
            table = df.value
            if topic_col not in table.columns or answers_col not in table.columns:
                continue
            per_topic = table.groupby(topic_col)[answers_col].sum()
            for topic, n in per_topic.items():
                if 0 < n < T:
                    leaks.append((params, topic, int(n), table[table[topic_col] == topic].to_dict("records")))
    assert not leaks, f"M2 rating distributions of topics answered by fewer than {T} people are shown: {leaks}"
