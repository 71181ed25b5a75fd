"""The differencing attack of issue 14, driven through the real pages: sign in as the sector lead,
open *Oppimisen tuki ja poissaolot* under every combination of ?alue= and ?kieli= (and other
?lukuvuosi= / ?sektori= values), collect every absence number the tables show, and feed them all to
the interval audit. No small cell (1–4 pupils over a threshold, of a district, a language group or
their combination) may be narrowed below the threshold by subtracting what the pages show.

The cells the attack targets and their true values are the test's own reading of the facts; which
cells are "published" is whatever the pages show, so the same test measures the old code too.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.helpers import tables_of
from tests.pages.test_sector_pages import johto
from tilannekuva import duck
from tilannekuva.disclosure import Block, intervals
from tilannekuva.i18n import t
from tilannekuva.warehouse import current_file

T = 5
LANG = "fi"


@pytest.fixture(scope="module")
def facts(demo_home):
    """True counts per school year, term, district (null = all) and language (null = all)."""
    con = duck.connect(str(current_file(demo_home / "warehouse")), read_only=True)
    try:
        frame = con.sql("""
            with per_term as (
                select a.school_year_id, case when month(a.month) >= 8 then 'syksy' else 'kevat' end as term,
                       a.pupil_id, a.unit_id, sum(a.absence_hours) as hours
                from fct_absence a group by all
            ), p as (select p.*, u.district_id, u.language from per_term p join dim_unit u using (unit_id))
            select school_year_id, term, district_id, language, count(*) as enrolled,
                   count(*) filter (where hours >= 60) as huoli, count(*) filter (where hours >= 100) as vakava
            from p group by grouping sets ((school_year_id, term, district_id, language),
                                           (school_year_id, term, district_id), (school_year_id, term, language),
                                           (school_year_id, term))""").pl()
        districts = dict(con.sql("select name_fi, district_id from dim_district").fetchall())
        years = dict(con.sql("select label, school_year_id from dim_school_year").fetchall())
    finally:
        con.close()
    return frame, districts, years


def shown_cells(at, district, language, districts, years) -> dict[tuple, float]:
    """Every absence count the page shows: (year, term, district, language, measure) -> value."""
    term_of = {
        f"{label} {t(f'term.{term}', LANG)}": (year, term)
        for label, year in years.items()
        for term in ("syksy", "kevat")
    }
    threshold_of = {t(f"threshold.{x}", LANG): x for x in ("huoli", "vakava")}
    col = {k: t(f"col.{k}", LANG) for k in ("term", "threshold", "pupils", "pupils_with_records", "district")}
    found: dict[tuple, float] = {}
    for df in tables_of(at):
        table = df.value
        if col["threshold"] not in table.columns or col["pupils_with_records"] not in table.columns:
            continue
        for _, row in table.iterrows():
            measure = threshold_of[row[col["threshold"]]]
            if col["term"] in table.columns:  # the trend: the selection, every term
                term_label = row[col["term"]].removesuffix(f" ({t('period.partial', LANG)})")  # '… syksy (kesken)'
                (year, term), where = term_of[term_label], (district, language)
            else:  # by district: the chosen year's last term
                year, term = _district_table_term(at, term_of)
                where = (districts[row[col["district"]]], language)
            for name, value in ((measure, row[col["pupils"]]), ("enrolled", row[col["pupils_with_records"]])):
                if value is not None and not (isinstance(value, float) and np.isnan(value)):
                    key = (year, term, *where, name)
                    assert found.get(key, value) == value
                    found[key] = float(value)
    return found


def _district_table_term(at, term_of):
    for chart in at.get("plotly_chart"):
        title = json.loads(chart.proto.spec).get("layout", {}).get("title", {}).get("text", "")
        for label, year_term in term_of.items():
            if label in title and "alue" in title.lower():
                return year_term
    raise AssertionError("the district chart names its term")


COMBINATIONS = (
    [{}]
    + [{"alue": str(d)} for d in range(1, 7)]
    + [{"kieli": x} for x in ("fi", "sv")]
    + [{"alue": str(d), "kieli": x} for d in range(1, 7) for x in ("fi", "sv")]
    + [{"kieli": "sv", "lukuvuosi": "2025"}, {"lukuvuosi": "2024"}, {"sektori": "perusopetus", "alue": "4"}]
)


def test_no_small_cell_can_be_recomputed_from_what_the_support_page_shows(demo_env, facts):
    frame, districts, years = facts
    seen: dict[tuple, float] = {}
    for params in COMBINATIONS:
        at = johto("sector_support", **params)
        district = int(params["alue"]) if "alue" in params else None
        for key, value in shown_cells(at, district, params.get("kieli"), districts, years).items():
            assert seen.get(key, value) == value, key
            seen[key] = value
    assert len(seen) > 100, "the pages showed the tables the attack reads"

    truth = {
        (r["school_year_id"], r["term"], r["district_id"], r["language"], m): r[m]
        for r in frame.iter_rows(named=True)
        for m in ("enrolled", "huoli", "vakava")
    }
    for key, value in seen.items():
        assert truth[key] == value, ("a page showed a wrong number", key)
    findings, checked = [], 0
    for (year, term), rows in frame.group_by("school_year_id", "term"):
        keys, measures, values = [], [], []
        for r in rows.iter_rows(named=True):
            for m in ("enrolled", "huoli", "vakava"):
                keys.append((r["district_id"], r["language"]))
                measures.append(m)
                values.append(float(r[m]))
        index = {(k, m): i for i, (k, m) in enumerate(zip(keys, measures, strict=True))}
        leq = [(index[(k, "vakava")], index[(k, "huoli")]) for k in set(keys)]
        leq += [(index[(k, m)], index[(k, "enrolled")]) for k in set(keys) for m in ("huoli", "vakava")]
        block = Block(keys, measures, values, leq=leq)
        hidden = np.array([(year, term, *k, m) not in seen for k, m in zip(keys, measures, strict=True)])
        small = [i for i, (m, v) in enumerate(zip(measures, values, strict=True)) if m != "enrolled" and 0 < v < T]
        assert all(hidden[i] for i in small), "a small cell is shown outright"
        spans = intervals(block, hidden)
        checked += len(small)
        findings += [
            ((year, term, *keys[i], measures[i]), spans[i]) for i in small if spans[i][1] - spans[i][0] < T - 1e-6
        ]
    assert checked > 10, "the tiny city has small district and language cells to attack"
    assert not findings, f"{len(findings)} small cells narrowed below {T} by differencing: {findings[:8]}"
