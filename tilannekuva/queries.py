"""Named queries: one .sql file each under tilannekuva/sql/, with a header that declares them.

Header lines (SQL comments at the top of the file):

    -- page: <page id that uses it>
    -- roles: principal, teacher       (the only roles that may run it: those whose pages use it)
    -- grain: aggregate | pupil | staff (pupil = one row per named pupil, needs pupil_rows;
                                       staff = one row per named staff member, never for a role
                                       that reads only aggregates)
    -- params: a, b                    (the named parameters the query binds, $a, $b)
    -- published: <pub_ table>         (a selection of a publication cube, suppressed at load time:
                                       no per-result suppression; tilannekuva.publication)
    -- suppress: <count column>; cells: <dims>; fixed: <dims>; values: <columns>; base: <denominator>
    -- benchmark: true                 (figures from outside the user's own scope: always suppressed)

Every query reads only the `scoped_*` and `bench_*` relations created by `_scope.sql`;
`relations_read` proves it with DuckDB's own parser, and `load_query` refuses a file that
reads anything else.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

from tilannekuva import duck

ALLOWED_PREFIXES = ("scoped_", "bench_")
GRAINS = ("aggregate", "pupil", "staff")


class QueryError(ValueError):
    """A query file is malformed, unknown, or was called with the wrong parameters."""


@dataclass(frozen=True)
class Suppression:
    count_column: str
    cells: tuple[str, ...]
    fixed: tuple[str, ...]
    values: tuple[str, ...]
    base: str | None = None  # the denominator column: a cell whose base is under the threshold is hidden too


@dataclass(frozen=True)
class Query:
    name: str
    sql: str
    page: str
    grain: str
    params: tuple[str, ...]
    suppression: Suppression | None
    benchmark: bool = False
    roles: tuple[str, ...] = ()
    published: str | None = None


def _sql_text(name: str) -> str:
    try:
        return resources.files("tilannekuva.sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise QueryError(f"Unknown query {name!r}") from exc


def query_names() -> list[str]:
    """Every query file, without the scope script."""
    files = resources.files("tilannekuva.sql").iterdir()
    return sorted(f.name[:-4] for f in files if f.name.endswith(".sql") and not f.name.startswith("_"))


def scope_script() -> str:
    return _sql_text("_scope")


def _split_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _parse_suppression(text: str) -> Suppression:
    parts = [p.strip() for p in text.split(";")]
    count_column, options = parts[0], {}
    for part in parts[1:]:
        key, _, value = part.partition(":")
        options[key.strip()] = _split_list(value)
    base = options.get("base", ())
    return Suppression(
        count_column,
        options.get("cells", ()),
        options.get("fixed", ()),
        options.get("values", ()),
        base[0] if base else None,
    )


def _walk_tables(node, found: set[str], ctes: set[str]) -> None:
    if isinstance(node, dict):
        if node.get("type") == "BASE_TABLE" and "table_name" in node:
            found.add(node["table_name"].lower())
        elif node.get("type") == "TABLE_FUNCTION":
            # read_csv, read_parquet, ... would be a side door past the scope views.
            function = node.get("function") or {}
            found.add("table_function:" + str(function.get("function_name", "?")).lower())
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            for entry in cte_map.get("map", []):
                ctes.add(str(entry.get("key", "")).lower())
        for value in node.values():
            _walk_tables(value, found, ctes)
    elif isinstance(node, list):
        for item in node:
            _walk_tables(item, found, ctes)


def relations_read(sql: str) -> set[str]:
    """The tables and views a SELECT reads (CTE names excluded), per DuckDB's own parser.

    Table functions are reported as 'table_function:<name>' so that callers can refuse them.
    """
    con = duck.connect()
    try:
        tree = json.loads(con.sql("select json_serialize_sql($q)", params={"q": sql}).fetchall()[0][0])
    finally:
        con.close()
    if tree.get("error"):
        raise QueryError(f"Cannot parse query: {tree.get('error_message')}")
    found: set[str] = set()
    ctes: set[str] = set()
    _walk_tables(tree, found, ctes)
    return found - ctes


@functools.cache
def load_query(name: str) -> Query:
    """Parse and check one query file; raises QueryError if it reads an unscoped relation."""
    if name.startswith("_") or "/" in name or "." in name:
        raise QueryError(f"Unknown query {name!r}")
    sql = _sql_text(name)
    header: dict[str, str] = {}
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        key, sep, value = line[2:].partition(":")
        if sep:
            header[key.strip()] = value.strip()
    grain = header.get("grain", "")
    if grain not in GRAINS:
        raise QueryError(f"Query {name!r} must declare '-- grain: ' one of {', '.join(GRAINS)}")
    roles = _split_list(header.get("roles", ""))
    if not roles:
        raise QueryError(f"Query {name!r} must declare the roles that may run it ('-- roles: a, b')")
    published = header.get("published") or None
    if published is not None and ("suppress" in header or not published.startswith("pub_")):
        raise QueryError(f"Query {name!r}: a published query reads a pub_ cube and is not suppressed again")
    unscoped = {r for r in relations_read(sql) if not r.startswith(ALLOWED_PREFIXES)}
    if unscoped:
        raise QueryError(f"Query {name!r} reads unscoped relations: {sorted(unscoped)}")
    return Query(
        name=name,
        sql=sql,
        page=header.get("page", ""),
        grain=grain,
        params=_split_list(header.get("params", "")),
        suppression=_parse_suppression(header["suppress"]) if "suppress" in header else None,
        benchmark=header.get("benchmark", "").lower() == "true",
        roles=roles,
        published=published,
    )
