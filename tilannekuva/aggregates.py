"""The rollups the pages read, rebuilt from the facts by every build and every load.

Pages never scan raw events: monthly active users come from `agg_eservice_monthly`, not from
tens of millions of sign-ins, so page speed does not depend on raw event volume. Its rows with
service 'kaikki' count PEOPLE active in any service (one user key signing in to four services is one
person), the base of M3: `agg_eservice_year` (M3 per school year, unit and user type over the year's
complete months). The metric model itself is built here too: `agg_metric_parts`, every materialised
metric of the catalogue as additive parts per unit and school year (tilannekuva.metric_parts, one
SELECT per metric in tilannekuva/catalogue/parts/), so no fetch computes a metric from the facts; the
scope views (sql/_scope.sql) only filter and mark them. Last, the publication cubes (`pub_*`,
tilannekuva.publication), with their suppression pattern (pub_metric_hidden reads agg_metric_parts).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Collection
from importlib.abc import Traversable
from pathlib import Path

import duckdb

from tilannekuva import periods
from tilannekuva.catalogue import Catalogue
from tilannekuva.ingest.contracts import CONTRACTS
from tilannekuva.metric_parts import build_metric_parts
from tilannekuva.publication import PublicationRules, build_publication_cubes

log = logging.getLogger(__name__)


def refresh_aggregates(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    rules: PublicationRules | None = None,
    catalogue: Catalogue | None = None,
    parts_dir: Traversable | Path | None = None,
    loaded: Collection[str] | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Rebuild the agg_ and pub_ tables and each source's data-as-of date. `rules` (threshold, S1 hours)
    default to the configured settings; `catalogue` and `parts_dir` (the metrics built into agg_metric_parts
    and their SQL) to the app's (tilannekuva.metric_parts).

    `loaded`: the sources whose data this load brought (None: all, as in a demo build). Only their
    `meta_source` rows are computed anew — the contract's as-of expression, never later than `as_of`, the
    day of this load; every other source keeps the row of the load that brought its data. Recomputing them
    all capped at the latest load's day let a source's date float forward with loads of other sources (a
    support decision starting next autumn made old support data look fresh for ever: attack finding 19a-1).

    `now`: the load's time on the city's clock (naive local time; default the real one), stored as the
    sources' `loaded_at`. It never goes back: in October's repeated hour a load at 03.10 after one at 03.40
    is stored at 03.40 and a microsecond, because the newest `loaded_at` is which snapshot is newer
    (whatsnew's data_version: a digest of a load that read as older was dropped as superseded)."""
    con.execute("delete from agg_eservice_monthly")
    con.execute("""
        insert into agg_eservice_monthly
        with per_key as (      -- one pass over the raw sign-ins: a user key's sign-ins per month and service
            select date_trunc('month', logged_in_at)::date as month, service, user_type, unit_id, user_key,
                   count(*) as logins
            from stg_eservice__logins group by all)
        select month, service, user_type, unit_id, count(*), sum(logins) from per_key group by all
        union all              -- people active in any service: a key in four services is one person
        select month, 'kaikki', user_type, unit_id, count(distinct user_key), sum(logins) from per_key group by all""")
    rows = con.execute("select source, data_as_of, loaded_at, row_count from meta_source").fetchall()
    kept = {row[0]: row for row in rows if loaded is not None and row[0] not in loaded}
    loaded_at = now or dt.datetime.now()
    newest = max((row[2] for row in rows), default=None)
    if newest is not None and loaded_at <= newest:  # the clock went back (the repeated hour, a corrected clock)
        loaded_at = newest + dt.timedelta(microseconds=1)
    con.execute("delete from meta_source")
    for contract in CONTRACTS.values():
        if contract.as_of is None:
            continue
        if contract.name in kept:  # not in this load: its data and their date are as that load left them
            con.execute("insert into meta_source values (?, ?, ?, ?)", list(kept[contract.name]))
            continue
        # Table names and expressions come from the contracts in code, never from input.
        con.execute(
            f"""
            insert into meta_source
            select $source, least((select {contract.as_of.format(table=contract.table)}), $as_of),
                   $loaded_at, (select count(*) from {contract.table})
            where exists (select 1 from {contract.table})""",
            {"source": contract.name, "as_of": as_of, "loaded_at": loaded_at},
        )
    # Year to date: each school year's day at the place of the data-as-of date (the newest source's), so an
    # unfinished year's cumulative metrics (M1, M6) compare with last year's on the same date.
    con.execute("delete from agg_year_to_date")
    (newest,) = con.execute("select max(data_as_of) from meta_source").fetchone()
    if newest is not None:
        years = [y for (y,) in con.execute("select school_year_id from dim_school_year").fetchall()]
        con.executemany(
            "insert into agg_year_to_date values (?, ?)", [(y, periods.same_date(newest, y)) for y in years]
        )
    con.execute("delete from agg_training_reach")
    # One pass: each staff member's first training of the school year, then staff, trained and trained by
    # the year's same date (fct_employment has one row per school year and staff member).
    con.execute("""
        insert into agg_training_reach
        with first_training as (
            select p.staff_id, t.school_year_id, min(p.attended_on) as first_on
            from fct_training_participation p join dim_training t using (training_id)
            group by all
        )
        select e.school_year_id, e.unit_id, count(*) as staff, count(f.first_on) as trained,
               count(*) filter (where f.first_on <= d.to_date) as trained_to_date
        from fct_employment e
        left join first_training f on f.staff_id = e.staff_id and f.school_year_id = e.school_year_id
        left join agg_year_to_date d on d.school_year_id = e.school_year_id
        group by all""")
    started = time.perf_counter()
    build_eservice_year(con)
    log.info("agg_eservice_year in %.2f s", time.perf_counter() - started)
    build_metric_parts(con, catalogue, parts_dir)
    build_benchmarks(con)
    build_publication_cubes(con, rules or PublicationRules.from_settings())


def build_eservice_year(con: duckdb.DuckDBPyConnection) -> None:
    """agg_eservice_year: M3, the one definition (docs/DATA_MODEL.md), per school year × unit × user
    type: PEOPLE, not accounts. active_months = Σ over the year's complete months of the people who
    signed in to any service that month (agg_eservice_monthly's 'kaikki' rows); people = the people with
    an account in any service (the identity export's 'kaikki' rows); share = active_months / (people ×
    months) = the monthly mean of active people / people with access. Complete months only: a month
    whose last day is after the sign-ins' data date is partial and left out (its few days would read
    as a drop), and kept as partial_month so the pages can say so. Read by parts/M3.sql and, through
    scoped_eservice_year, by the e-services page."""
    con.execute("delete from agg_eservice_year")
    con.execute("""
        insert into agg_eservice_year
        with data_date as (
            select max(data_as_of) as data_as_of from meta_source where source = 'kirjautumiset'
        ), month_in_year as (
            select distinct y.school_year_id, m.month, last_day(m.month) <= d.data_as_of as complete
            from agg_eservice_monthly m join dim_school_year y on m.month between y.starts_on and y.ends_on
            cross join data_date d
            where m.service = 'kaikki'
        ), counted as (
            select school_year_id, count(*) filter (where complete) as months,
                   min(month) filter (where complete) as first_month, max(month) filter (where complete) as last_month,
                   max(month) filter (where not complete) as partial_month
            from month_in_year group by all
        ), active as (
            select mo.school_year_id, m.unit_id, m.user_type, sum(m.active_users) as active_months
            from agg_eservice_monthly m join month_in_year mo on mo.month = m.month and mo.complete
            where m.service = 'kaikki'
            group by all
        )
        select e.school_year_id, e.unit_id, e.user_type, coalesce(a.active_months, 0)::bigint as active_months,
               e.eligible_users::bigint as people, c.months::integer as months, c.first_month, c.last_month,
               c.partial_month, (select data_as_of from data_date) as data_as_of
        from agg_eservice_eligible e
        join counted c using (school_year_id)
        left join active a using (school_year_id, unit_id, user_type)
        where e.service = 'kaikki'""")


def build_benchmarks(con: duckdb.DuckDBPyConnection) -> None:
    """The benchmark rollups the bench_* views read: every unit's competence answers by unit and area and by
    sector and area (M5 against the unit and the city), the feedback answers by training (M2 against the city)
    and the grades by unit, term and subject (a group against its unit; pupil-derived, so its queries are
    marked benchmark and always suppressed). Sums and counts only, no person."""
    started = time.perf_counter()
    for table, select in (
        (
            "agg_competence_by_unit",
            """select school_year_id, unit_id, area, sum(score), count(*), count(distinct response_id)
               from fct_competence_survey group by all""",
        ),
        (
            "agg_competence_by_area",
            """select c.school_year_id, u.sector, c.area, sum(c.score), count(*), count(distinct c.response_id)
               from fct_competence_survey c join dim_unit u using (unit_id) group by all""",
        ),
        ("agg_training_feedback", "select training_id, sum(rating), count(*) from fct_training_feedback group by all"),
        (
            "agg_assessment_by_unit",
            """select school_year_id, term, unit_id, subject, count(distinct pupil_id), sum(grade), count(*)
               from fct_assessment group by all""",
        ),
    ):
        con.execute(f"delete from {table}")  # this function's own table names
        con.execute(f"insert into {table} {select}")
    log.info("benchmark rollups in %.2f s", time.perf_counter() - started)
