"""The reference: two pages written the way most teams write a Streamlit dashboard — pandas reads the
source systems' CSV exports and groups in Python. Measured on the same machine as Tilannekuva's pages
so the speed-up is a ratio, not a claim.

* Sector overview (johto's landing page): children and pupils by school year × sector, by district
  and by language for the year, cells under 5 hidden.
* Principal's unit page: M1 training reach, M2 training feedback and M3 e-service activation for one
  unit by school year, against its sector and the whole city. (Tilannekuva's page also shows M4–M6;
  leaving them out only flatters the reference.)

cold = read the CSVs and compute (a page with no cache); warm = compute only, from the frames kept in
memory (what st.cache_data on the reads would give: its unpickling of the frames is not counted either).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pandas as pd


def read(exports: Path, name: str, **kwargs) -> pd.DataFrame:
    parts = sorted(exports.glob(f"{name}.csv")) or sorted(exports.glob(f"{name}_*.csv"))
    return pd.concat([pd.read_csv(p, **kwargs) for p in parts], ignore_index=True)


def overview_frames(exports: Path) -> dict:
    return {"units": read(exports, "yksikot"), "enrolments": read(exports, "ilmoittautumiset")}


def overview(frames: dict, year: int) -> dict:
    e = frames["enrolments"].merge(frames["units"], on="unit_id")
    by_sector = e.groupby(["school_year_id", "sector"])["pupil_id"].nunique().reset_index()
    this = e[e["school_year_id"] == year]
    by_district = this.groupby("district_id")["pupil_id"].nunique().reset_index()
    by_language = e.groupby(["school_year_id", "language"])["pupil_id"].nunique().reset_index()
    for frame in (by_sector, by_district, by_language):
        frame.loc[frame["pupil_id"] < 5, "pupil_id"] = None
    return {"by_sector": by_sector, "by_district": by_district, "by_language": by_language}


def unit_frames(exports: Path) -> dict:
    return {
        "units": read(exports, "yksikot"),
        "employment": read(exports, "palvelussuhteet"),
        "trainings": read(exports, "koulutukset"),
        "participation": read(exports, "koulutusosallistumiset"),
        "feedback": read(exports, "koulutuspalaute"),
        "eligible": read(exports, "kayttajatilit"),
        "logins": read(exports, "kirjautumiset", parse_dates=["logged_in_at"]),
    }


def unit_page(frames: dict, unit_id: int) -> pd.DataFrame:
    units = frames["units"][["unit_id", "sector"]]
    sector = units.loc[units["unit_id"] == unit_id, "sector"].iloc[0]

    def levels(parts: pd.DataFrame, metric: str) -> list[pd.DataFrame]:
        parts = parts.merge(units, on="unit_id")
        out = []
        for level, rows in (
            ("unit", parts[parts["unit_id"] == unit_id]),
            ("sector", parts[parts["sector"] == sector]),
            ("city", parts),
        ):
            g = rows.groupby("school_year_id")[["num", "den"]].sum().reset_index()
            g["value"] = g["num"] / g["den"]
            g["metric"], g["level"] = metric, level
            out.append(g)
        return out

    # M1: staff trained in the school year / staff employed
    attended = frames["participation"].merge(frames["trainings"][["training_id", "school_year_id"]], on="training_id")
    trained = attended[["staff_id", "school_year_id"]].drop_duplicates().assign(trained=1)
    emp = frames["employment"].merge(trained, on=["staff_id", "school_year_id"], how="left")
    m1 = (
        emp.groupby(["school_year_id", "unit_id"]).agg(num=("trained", "count"), den=("staff_id", "size")).reset_index()
    )
    # M2: mean feedback rating
    fb = frames["feedback"].merge(frames["trainings"][["training_id", "school_year_id"]], on="training_id")
    m2 = fb.groupby(["school_year_id", "unit_id"]).agg(num=("rating", "sum"), den=("rating", "size")).reset_index()
    # M3: people active in any service per complete month / (people with access to any service × complete months)
    logins = frames["logins"]
    month = logins["logged_in_at"].dt.to_period("M").dt.to_timestamp()
    school_year = month.dt.year.where(month.dt.month >= 8, month.dt.year - 1)  # a school year starts in August
    with_month = logins.assign(month=month, school_year_id=school_year)
    data_date = logins["logged_in_at"].max().normalize()
    with_month = with_month[with_month["month"] + pd.offsets.MonthEnd(0) <= data_date]  # complete months only
    monthly = (
        with_month.groupby(["school_year_id", "unit_id", "month", "user_type"])["user_key"]
        .nunique()
        .groupby(["school_year_id", "unit_id"])
        .sum()
        .rename("num")
        .reset_index()
    )
    months = with_month.groupby("school_year_id")["month"].nunique().rename("months").reset_index()
    people = frames["eligible"][frames["eligible"]["service"] == "kaikki"]
    eligible = people.groupby(["school_year_id", "unit_id"])["eligible_users"].sum().reset_index()
    m3 = eligible.merge(months, on="school_year_id").merge(monthly, on=["school_year_id", "unit_id"], how="left")
    m3["num"] = m3["num"].fillna(0)
    m3["den"] = m3["eligible_users"] * m3["months"]
    return pd.concat(
        [*levels(m1, "M1"), *levels(m2, "M2"), *levels(m3[["school_year_id", "unit_id", "num", "den"]], "M3")]
    )


def measure(exports: Path, year: int, unit_id: int, runs: int = 5) -> dict:
    """Cold once (reading is the slow part, and a second read would hit the OS cache anyway), warm `runs` times."""
    out = {}
    for name, load, page in (
        ("sector_overview", overview_frames, lambda f: overview(f, year)),
        ("principal_unit", unit_frames, lambda f: unit_page(f, unit_id)),
    ):
        started = time.perf_counter()
        frames = load(exports)
        page(frames)
        cold = (time.perf_counter() - started) * 1000
        warm = []
        for _ in range(runs):
            started = time.perf_counter()
            page(frames)
            warm.append((time.perf_counter() - started) * 1000)
        out[name] = {"cold_ms": round(cold), "warm_median_ms": round(statistics.median(warm), 1)}
        print(f"  reference {name}: cold {cold:.0f} ms, warm median {out[name]['warm_median_ms']:.0f} ms", flush=True)
    return out
