"""Write a warehouse's data back out as the source systems' exports, one file set per contract.

`tilannekuva demo --exports DIR` uses this so the ingest path is exercised end to end with
realistic files: in the default "mixed" style each source gets the format its real system
delivers — Excel from the registers, Windows-1252 CSV with `;`, decimal comma and d.m.yyyy
dates from the HR system and Wilma's absence report, UTF-8 CSV from the others, Parquet from
the sign-in log (one file per school year). "csv" and "parquet" write every source in that
format (used to measure ingest rates).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from tilannekuva import duck
from tilannekuva.ingest.contracts import CONTRACTS, Contract

STYLES = ("mixed", "csv", "parquet")
MIXED = {
    "lukuvuodet": "xlsx",
    "alueet": "xlsx",
    "yksikot": "xlsx",
    "koulutukset": "xlsx",
    "palvelumuotoilu": "xlsx",
    "henkilosto": "csv-1252",
    "palvelussuhteet": "csv-1252",
    "poissaolot": "csv-1252",
    "kirjautumiset": "parquet",
    "arvioinnit": "parquet",
}
SPLIT_BY_YEAR = {"kirjautumiset": "year(logged_in_at - interval 7 month)"}  # Aug–Jul school years


def write_exports(warehouse_file: Path, out_dir: Path, style: str = "mixed") -> list[Path]:
    if style not in STYLES:
        raise ValueError(f"export style must be one of {', '.join(STYLES)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    con = duck.connect(warehouse_file, read_only=True)
    try:
        for contract in CONTRACTS.values():
            kind = MIXED.get(contract.name, "csv") if style == "mixed" else style
            split = SPLIT_BY_YEAR.get(contract.name)
            parts = [None]
            if split:
                parts = [r[0] for r in con.sql(f"select distinct {split} from {contract.table} order by 1").fetchall()]
            for part in parts:
                relation = _select(con, contract, split, part)
                name = contract.name if part is None else f"{contract.name}_{part}"
                written.append(_write(relation, contract, out_dir, name, kind))
    finally:
        con.close()
    return written


def _select(con: duckdb.DuckDBPyConnection, contract: Contract, split: str | None, part):
    columns = ", ".join(contract.column_names)
    order = ", ".join(contract.key or contract.column_names)
    if split is None:
        return con.sql(f"select {columns} from {contract.table} order by {order}")
    return con.sql(
        f"select {columns} from {contract.table} where {split} = $part order by {order}", params={"part": part}
    )


def _write(relation: duckdb.DuckDBPyRelation, contract: Contract, out_dir: Path, name: str, kind: str) -> Path:
    if kind == "parquet":
        path = out_dir / f"{name}.parquet"
        relation.write_parquet(str(path))
    elif kind == "csv":
        path = out_dir / f"{name}.csv"
        relation.write_csv(str(path), sep=",", header=True)
    elif kind == "csv-1252":
        path = out_dir / f"{name}.csv"
        frame = _finnish_text(relation.pl(), contract)
        path.write_bytes(frame.write_csv(separator=";").encode("cp1252"))
    else:
        path = out_dir / f"{name}.xlsx"
        relation.pl().write_excel(path, worksheet=contract.name, autofit=True)
    return path


def _finnish_text(frame: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """Dates as 20.11.2026, decimals with a comma, truth values as kyllä/ei."""
    out = []
    for col in contract.columns:
        c = pl.col(col.name)
        if col.type == "date":
            c = pl.format("{}.{}.{}", c.dt.day(), c.dt.month(), c.dt.year())
        elif col.type == "decimal":
            c = c.cast(pl.Float64).cast(pl.String).str.replace(".", ",", literal=True)
        elif col.type == "bool":
            c = pl.when(c).then(pl.lit("kyllä")).otherwise(pl.lit("ei"))
        out.append(c.alias(col.name))
    return frame.select(out)
