"""The catalogue's metrics as additive parts, materialised at load time into `agg_metric_parts`.

Every metric of the catalogue (tilannekuva/catalogue/metrics.yaml) with `parts: agg_metric_parts`
has one SELECT in `tilannekuva/catalogue/parts/<id>.sql` that returns, for every unit and school year
the metric covers, `school_year_id, unit_id, num, den, events, num_to_date` (value = Σ num / Σ den at
any level, so a district is never an average of unit averages; `num_to_date` a cumulative metric's
num by the year's day matching the data-as-of date, else null). `build_metric_parts` runs them on the
warehouse being built — every demo build and every load (tilannekuva.aggregates.refresh_aggregates),
after the rollups they read — and the scope views (sql/_scope.sql) only filter and mark its rows.
Adding a metric M7 is its catalogue entry plus `parts/M7.sql`.

The catalogue and the files must agree both ways: a materialised entry without its file, or a file
without a materialised entry, stops the build with a PartsError naming both (and fails
tests/unit/test_metric_parts.py), so no figure is built without its definition or the reverse.
"""

from __future__ import annotations

import logging
import time
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

import duckdb

from tilannekuva.catalogue import Catalogue, catalogue

log = logging.getLogger(__name__)

COLUMNS = ("school_year_id", "unit_id", "num", "den", "events", "num_to_date")


class PartsError(ValueError):
    """The catalogue and its parts files disagree, or a parts file does not return the parts."""


def default_dir() -> Traversable:
    """The app's parts files: tilannekuva/catalogue/parts/."""
    return resources.files("tilannekuva.catalogue").joinpath("parts")


def parts_queries(cat: Catalogue | None = None, directory: Traversable | Path | None = None) -> dict[str, str]:
    """{metric id: its SELECT} for every materialised metric of `cat` (default: the app's catalogue),
    read from `directory` (default: the package's parts/), in catalogue order. Raises PartsError when
    a materialised metric has no file or a file has no materialised metric."""
    cat = cat if cat is not None else catalogue()
    directory = directory if directory is not None else default_dir()
    files = {f.name[: -len(".sql")]: f for f in directory.iterdir() if f.name.endswith(".sql")}
    wanted = [m.id for m in cat if m.materialised]
    problems = [
        f"{m} has `parts: agg_metric_parts` in the catalogue but no parts file {m}.sql"
        for m in wanted
        if m not in files
    ]
    problems += [
        f"parts file {name}.sql has no catalogue entry with `parts: agg_metric_parts`"
        for name in sorted(set(files) - set(wanted))
    ]
    if problems:
        raise PartsError(f"metric parts ({directory}): " + "; ".join(problems))
    queries = {}
    for metric in wanted:
        sql = files[metric].read_text(encoding="utf-8").strip().rstrip(";").strip()
        if not sql:
            raise PartsError(f"metric parts: {metric}.sql is empty")
        queries[metric] = sql
    return queries


def build_metric_parts(
    con: duckdb.DuckDBPyConnection, cat: Catalogue | None = None, directory: Traversable | Path | None = None
) -> dict[str, int]:
    """Rebuild agg_metric_parts from the parts files; returns the rows written per metric."""
    queries = parts_queries(cat, directory)
    con.execute("delete from agg_metric_parts")
    rows = {}
    for metric, sql in queries.items():
        started = time.perf_counter()
        # The SQL is the package's own file (or a test's), never input; the metric id travels as a parameter.
        try:
            columns = tuple(con.sql(f"select * from ({sql}\n) limit 0").columns)
        except duckdb.Error as exc:
            raise PartsError(f"metric parts: {metric}.sql does not run: {exc}") from exc
        if columns != COLUMNS:
            raise PartsError(f"metric parts: {metric}.sql returns {', '.join(columns)}; needs {', '.join(COLUMNS)}")
        (before,) = con.execute("select count(*) from agg_metric_parts").fetchone()
        try:
            con.execute(f"insert into agg_metric_parts select $metric, * from ({sql}\n)", {"metric": metric})
        except duckdb.ConstraintException as exc:
            raise PartsError(
                f"metric parts: {metric}.sql returns a unit and school year twice or a null num, den or events: {exc}"
            ) from exc
        (after,) = con.execute("select count(*) from agg_metric_parts").fetchone()
        rows[metric] = after - before
        log.info("agg_metric_parts %s: %d rows in %.2f s", metric, rows[metric], time.perf_counter() - started)
    return rows
