"""The rollups the pages read, rebuilt from the facts by every build and every load.

Pages never scan raw events: monthly active users come from `agg_eservice_monthly`, not from
tens of millions of sign-ins, so page speed does not depend on raw event volume. Its rows with
service 'kaikki' count PEOPLE active in any service (one user key signing in to four services is one
person), the base of M3 (metric_parts_all in sql/_scope.sql). The publication
cubes (`pub_*`, tilannekuva.publication) are rebuilt here too, with their suppression pattern.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from tilannekuva import periods
from tilannekuva.ingest.contracts import CONTRACTS
from tilannekuva.publication import PublicationRules, build_publication_cubes


def refresh_aggregates(con: duckdb.DuckDBPyConnection, as_of: dt.date, rules: PublicationRules | None = None) -> None:
    """Rebuild the agg_ and pub_ tables and each source's data-as-of date (never later than `as_of`).
    `rules` (threshold, S1 hours) default to the configured settings."""
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
    con.execute("delete from meta_source")
    for contract in CONTRACTS.values():
        if contract.as_of is None:
            continue
        # Table names and expressions come from the contracts in code, never from input.
        con.execute(
            f"""
            insert into meta_source
            select $source, least((select {contract.as_of.format(table=contract.table)}), $as_of),
                   current_timestamp, (select count(*) from {contract.table})
            where exists (select 1 from {contract.table})""",
            {"source": contract.name, "as_of": as_of},
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
    build_publication_cubes(con, rules or PublicationRules.from_settings())
