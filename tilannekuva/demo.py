"""A deterministic synthetic city: the demo warehouse and its demo accounts.

`build_demo(warehouse_dir, scale, seed)` writes a new versioned DuckDB file and publishes it.
At scale 1 it is a Helsinki-sized education division (about 350 units in 6 districts, about
10 % Swedish-language, 90 000 children and pupils, 13 000 staff, five school years, tens of
millions of e-service sign-ins). The same seed and scale always give the same data.

Small dimensions are drawn with numpy (seeded); the large facts are generated inside DuckDB
from hash-based uniforms (`hash(..., seed)`), which are deterministic and parallel.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from tilannekuva import duck
from tilannekuva.aggregates import refresh_aggregates
from tilannekuva.competence import AREAS
from tilannekuva.files import READ_ONLY, private_file, tighten
from tilannekuva.warehouse import building_file, publish, remove_file, remove_old_versions, schema_sql, writer_lock

log = logging.getLogger(__name__)

CURRENT_SCHOOL_YEAR = 2026  # 2026–2027; the demo data runs up to DATA_AS_OF
DATA_AS_OF = dt.date(2026, 11, 20)
SCHOOL_YEARS = list(range(CURRENT_SCHOOL_YEAR - 4, CURRENT_SCHOOL_YEAR + 1))
REFORM_YEAR = 2025  # support-for-learning reform in force 1 Aug 2025

DISTRICTS = [
    (1, "Eteläinen", "Södra"),
    (2, "Läntinen", "Västra"),
    (3, "Keskinen", "Mellersta"),
    (4, "Pohjoinen", "Norra"),
    (5, "Koillinen", "Nordöstra"),
    (6, "Itäinen", "Östra"),
]
FI_PLACE_A = [
    "Koivu",
    "Mänty",
    "Kallio",
    "Järvi",
    "Kivi",
    "Haka",
    "Lehto",
    "Salmi",
    "Rinne",
    "Kulta",
    "Pihlaja",
    "Kuusi",
    "Tammi",
    "Vaahtera",
    "Kataja",
    "Lammi",
    "Kaisla",
    "Routa",
    "Otava",
    "Mylly",
]
# Place-name endings with their genitive, for "<place>n koulu" style names.
FI_PLACE_B = {
    "mäki": "mäen",
    "lahti": "lahden",
    "niemi": "niemen",
    "harju": "harjun",
    "vaara": "vaaran",
    "kylä": "kylän",
    "puisto": "puiston",
    "kumpu": "kummun",
    "rinne": "rinteen",
    "laakso": "laakson",
    "pelto": "pellon",
    "saari": "saaren",
    "metsä": "metsän",
    "ranta": "rannan",
}
SV_PLACE_A = ["Björk", "Ek", "Sjö", "Strand", "Berg", "Lund", "Vik", "Gran", "Hav", "Äng", "Rönn", "Al"]
SV_PLACE_B = ["dal", "holm", "backa", "ängen", "vik", "lund", "näs", "udden", "skog", "berga"]
FI_FIRST = [
    "Aino",
    "Eino",
    "Helmi",
    "Onni",
    "Aada",
    "Leo",
    "Venla",
    "Väinö",
    "Emma",
    "Elias",
    "Sofia",
    "Oliver",
    "Lilja",
    "Eetu",
    "Ilona",
    "Lauri",
    "Siiri",
    "Juho",
    "Kerttu",
    "Aleksi",
    "Minea",
    "Niilo",
    "Pihla",
    "Toivo",
    "Iida",
    "Matias",
    "Anni",
    "Veeti",
    "Ronja",
    "Otso",
    "Saara",
    "Paula",
    "Jukka",
    "Tiina",
    "Mikko",
    "Hanna",
    "Pekka",
    "Riikka",
    "Sami",
    "Katja",
    "Timo",
]
FI_LAST = [
    "Virtanen",
    "Korhonen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Niemi",
    "Heikkilä",
    "Kinnunen",
    "Salonen",
    "Turunen",
    "Salo",
    "Laitinen",
    "Tuominen",
    "Rantanen",
    "Karjalainen",
    "Jokinen",
    "Mattila",
    "Savolainen",
    "Lahtinen",
    "Ahonen",
]
SV_FIRST = [
    "Ebba",
    "Elias",
    "Alva",
    "Hugo",
    "Selma",
    "Oskar",
    "Ella",
    "Anton",
    "Stella",
    "Axel",
    "Wilma",
    "Isak",
    "Saga",
    "Viktor",
    "Agnes",
    "Emil",
    "Linnea",
    "Albin",
    "Julia",
    "Henrik",
]
SV_LAST = [
    "Lindqvist",
    "Nyström",
    "Holmberg",
    "Sjöberg",
    "Lindholm",
    "Forsman",
    "Ekström",
    "Blomqvist",
    "Backman",
    "Grönroos",
    "Åberg",
    "Sundqvist",
    "Wikström",
    "Lundell",
    "Nordström",
    "Strandberg",
]
ECEC_GROUP_NAMES = ["Nallet", "Kotkat", "Oravat", "Siilit", "Ketut", "Pöllöt", "Sammakot", "Tiikerit"]
SV_ECEC_GROUP_NAMES = ["Björnarna", "Ekorrarna", "Igelkottarna", "Ugglorna", "Rävarna", "Grodorna"]
SUBJECTS_BASIC = ["aidinkieli", "matematiikka", "englanti", "toinen_kotimainen", "biologia", "historia", "liikunta"]
SUBJECTS_UPPER = ["aidinkieli", "matematiikka", "englanti", "historia", "fysiikka"]
# Each subject's usual level against the pupil's (Finnish report cards: PE among the highest, mathematics,
# the second national language and physics among the lowest); without it PE came out lowest by chance.
SUBJECT_SHIFT = {
    "liikunta": 0.6,
    "biologia": 0.1,
    "englanti": 0.1,
    "historia": 0.0,
    "aidinkieli": 0.0,
    "fysiikka": -0.2,
    "toinen_kotimainen": -0.25,
    "matematiikka": -0.3,
}
TRAINING_TOPICS = ["tietosuoja", "tiedonhallinta", "digiturvallisuus"]
SURVEY_AREAS = list(AREAS)  # the DigCompEdu areas in their order, then the environment items
CONVERSATION_THEMES = ["tiedonhallinta", "digiturvallisuus", "viestinta", "tyohyvinvointi", "opetuksen_digitalisaatio"]

DEMO_PASSWORDS = {
    "johto": "johto-demo-2026",
    "rehtori": "rehtori-demo-2026",
    "rehtori2": "rehtori2-demo-2026",
    "opettaja": "opettaja-demo-2026",
    "admin": "admin-demo-2026",
    "vieras": "vieras-demo-2026",
}


@dataclass(frozen=True)
class DemoResult:
    path: Path
    seconds: float
    row_counts: dict[str, int]


def _name(rng: np.random.Generator, lang: np.ndarray, fi: list[str], sv: list[str]) -> np.ndarray:
    fi_pick = np.array(fi)[rng.integers(0, len(fi), lang.size)]
    sv_pick = np.array(sv)[rng.integers(0, len(sv), lang.size)]
    return np.where(lang == "sv", sv_pick, fi_pick)


def _units(rng: np.random.Generator, scale: float) -> pl.DataFrame:
    counts = {
        "varhaiskasvatus": max(3, round(250 * scale)),
        "perusopetus": max(3, round(85 * scale)),
        "lukio": max(2, round(20 * scale)),
    }
    rows, used = [], set()
    unit_id = 100
    for sector_index, (sector, n) in enumerate(counts.items()):
        for i in range(n):
            unit_id += 1
            language = "sv" if (i % 10 == 3 or (n < 10 and i == 1)) else "fi"
            district_id = DISTRICTS[(i + 2 * sector_index) % len(DISTRICTS)][0]
            for attempt in range(10_000):
                if language == "sv":
                    place = SV_PLACE_A[rng.integers(len(SV_PLACE_A))] + SV_PLACE_B[rng.integers(len(SV_PLACE_B))]
                    suffix = {"varhaiskasvatus": "daghem", "perusopetus": "skola", "lukio": "gymnasium"}[sector]
                else:
                    ending = list(FI_PLACE_B)[rng.integers(len(FI_PLACE_B))]
                    place = FI_PLACE_A[rng.integers(len(FI_PLACE_A))] + FI_PLACE_B[ending]
                    suffix = {"varhaiskasvatus": "päiväkoti", "perusopetus": "koulu", "lukio": "lukio"}[sector]
                name = f"{place.capitalize()}{'s' if language == 'sv' else ''} {suffix}"
                if attempt >= 200:  # the name pool runs out above scale ~2: number the rest
                    name = f"{name} {attempt - 199}"
                if name not in used:
                    used.add(name)
                    break
            rows.append((unit_id, name, language, sector, district_id))
    return pl.DataFrame(rows, schema=["unit_id", "name", "language", "sector", "district_id"], orient="row")


def _pupils_and_groups(rng: np.random.Generator, units: pl.DataFrame):
    """Cohorts that move up a grade each year in the same unit; groups per unit, year and grade."""
    pupils, enrol, groups = [], [], []
    pupil_id, group_id = 1, 1
    group_index: dict[tuple, int] = {}

    def group_for(unit_id, year, key, name, grade, special):
        nonlocal group_id
        k = (unit_id, year, key)
        if k not in group_index:
            group_index[k] = group_id
            groups.append((group_id, year, unit_id, name, grade, special))
            group_id += 1
        return group_index[k]

    for unit_id, language, sector in units.select("unit_id", "language", "sector").rows():
        size = float(np.clip(rng.lognormal(0, 0.35), 0.45, 2.2))
        if sector == "perusopetus":
            classes = max(1, round(2.9 * size))
            cohorts = [
                (b, letter)
                for b in range(SCHOOL_YEARS[0] - 15, SCHOOL_YEARS[-1] - 6)
                for letter in "ABCDEFGH"[:classes]
            ]
            # Nearly half of the schools have a small special class; the first one always does.
            special = rng.random() < 0.45 or not any(g[5] for g in groups)
        elif sector == "lukio":
            classes = max(1, round(9 * size))
            cohorts = [
                (b, letter)
                for b in range(SCHOOL_YEARS[0] - 18, SCHOOL_YEARS[-1] - 15)
                for letter in "ABCDEFGHIJKLMNOPQRST"[:classes]
            ]
            special = False
        else:
            classes = max(1, round(1.4 * size))
            cohorts = [(b, letter) for b in range(SCHOOL_YEARS[0] - 6, SCHOOL_YEARS[-1]) for letter in "AB"[:classes]]
            special = False
        for birth_year, letter in cohorts:
            # Smaller birth cohorts in recent years: a true downward trend in ECEC numbers.
            base = {"perusopetus": 20, "lukio": 28, "varhaiskasvatus": 17}[sector]
            trend = 1 - 0.012 * max(0, birth_year - 2012)
            n = max(6, int(rng.normal(base * trend, 2.5)))
            ids = np.arange(pupil_id, pupil_id + n)
            pupil_id += n
            pupils.append((ids, birth_year, language))
            for year in SCHOOL_YEARS:
                age = year - birth_year
                if sector == "perusopetus" and 7 <= age <= 15:
                    grade = age - 6
                    gid = group_for(unit_id, year, (grade, letter), f"{grade}{letter}", grade, False)
                elif sector == "lukio" and 16 <= age <= 18:
                    grade = age - 6
                    gid = group_for(
                        unit_id, year, (grade, letter), f"{str(year - age + 16)[-2:]}{letter}", grade, False
                    )
                elif sector == "varhaiskasvatus" and 1 <= age <= 6:
                    names = SV_ECEC_GROUP_NAMES if language == "sv" else ECEC_GROUP_NAMES
                    band = 0 if age <= 2 else (1 if age <= 4 else (2 if age == 5 else 3))
                    label = (
                        "Förskolan"
                        if language == "sv" and band == 3
                        else ("Eskarit" if band == 3 else names[(band * 2 + "AB".index(letter)) % len(names)])
                    )
                    gid = group_for(
                        unit_id, year, (band, letter), f"{label} {letter}" if classes > 1 else label, None, False
                    )
                else:
                    continue
                enrol.append((year, ids, gid, unit_id))
        if special:
            # A small special class (pienryhmä) of 5–9 pupils of mixed grades, new pupils each year.
            for year in SCHOOL_YEARS:
                n = int(rng.integers(5, 10))
                ids = np.arange(pupil_id, pupil_id + n)
                pupil_id += n
                pupils.append((ids, year - int(rng.integers(9, 14)), language))
                label = "Smågrupp" if language == "sv" else "Pienryhmä"
                gid = group_for(unit_id, year, ("special",), label, None, True)
                enrol.append((year, ids, gid, unit_id))

    pupil_frame = pl.DataFrame(
        {
            "pupil_id": np.concatenate([p[0] for p in pupils]),
            "birth_year": np.concatenate([np.full(p[0].size, p[1]) for p in pupils]),
            "language": np.concatenate([np.full(p[0].size, p[2]) for p in pupils]),
        }
    )
    lang = pupil_frame["language"].to_numpy()
    pupil_frame = pupil_frame.with_columns(
        first_name=pl.Series(_name(rng, lang, FI_FIRST, SV_FIRST)),
        last_name=pl.Series(_name(rng, lang, FI_LAST, SV_LAST)),
    ).select("pupil_id", "first_name", "last_name", "birth_year", "language")
    enrol_frame = pl.DataFrame(
        {
            "school_year_id": np.concatenate([np.full(e[1].size, e[0]) for e in enrol]),
            "pupil_id": np.concatenate([e[1] for e in enrol]),
            "group_id": np.concatenate([np.full(e[1].size, e[2]) for e in enrol]),
            "unit_id": np.concatenate([np.full(e[1].size, e[3]) for e in enrol]),
        }
    )
    group_frame = pl.DataFrame(
        groups,
        orient="row",
        schema={
            "group_id": pl.Int64,
            "school_year_id": pl.Int64,
            "unit_id": pl.Int64,
            "name": pl.String,
            "grade": pl.Int64,
            "is_special_class": pl.Boolean,
        },
    )
    return pupil_frame, enrol_frame, group_frame


def _staff(rng: np.random.Generator, units: pl.DataFrame, enrol: pl.DataFrame):
    """Staff sized from pupil numbers, with yearly turnover; every unit has one leader."""
    pupils_per_unit = dict(enrol.group_by("unit_id").agg(pl.len() / len(SCHOOL_YEARS)).rows())
    staff_rows, employment = [], []
    staff_id = 10001
    for unit_id, language, sector in units.select("unit_id", "language", "sector").rows():
        ratio = {"varhaiskasvatus": 3.6, "perusopetus": 12.0, "lukio": 15.0}[sector]
        n = max(3, round(pupils_per_unit.get(unit_id, 40) / ratio))
        groups_of_staff = {
            "varhaiskasvatus": (["varhaiskasvatuksen_opettaja", "ohjaaja"], [0.35, 0.65]),
            "perusopetus": (["opettaja", "erityisopettaja", "ohjaaja", "muu"], [0.7, 0.1, 0.15, 0.05]),
            "lukio": (["opettaja", "erityisopettaja", "muu"], [0.85, 0.05, 0.1]),
        }[sector]
        members = []
        for k in range(n + 1):
            group = "rehtori" if k == 0 else str(rng.choice(groups_of_staff[0], p=groups_of_staff[1]))
            members.append((staff_id, group, language))
            staff_id += 1
        for year in SCHOOL_YEARS:
            if year > SCHOOL_YEARS[0]:
                # About 8 % turnover a year; the leader stays.
                for idx in range(1, len(members)):
                    if rng.random() < 0.08:
                        members[idx] = (staff_id, members[idx][1], language)
                        staff_id += 1
            employment.extend((year, m[0], unit_id) for m in members)
            staff_rows.extend(members)
    staff = pl.DataFrame(staff_rows, schema=["staff_id", "staff_group", "language"], orient="row").unique(
        "staff_id", keep="first"
    )
    staff = staff.sort("staff_id")
    lang = staff["language"].to_numpy()
    staff = staff.with_columns(
        first_name=pl.Series(_name(rng, lang, FI_FIRST, SV_FIRST)),
        last_name=pl.Series(_name(rng, lang, FI_LAST, SV_LAST)),
        is_leader=pl.col("staff_group") == "rehtori",
    ).select("staff_id", "first_name", "last_name", "staff_group", "is_leader")
    employment_frame = pl.DataFrame(employment, schema=["school_year_id", "staff_id", "unit_id"], orient="row")
    return staff, employment_frame


def _group_teachers(rng: np.random.Generator, groups: pl.DataFrame, employment: pl.DataFrame, staff: pl.DataFrame):
    """Each group gets a main teacher and, for a third of them, a co-teacher; teachers have several groups."""
    teaching = employment.join(staff, on="staff_id").filter(
        pl.col("staff_group").is_in(["opettaja", "erityisopettaja", "varhaiskasvatuksen_opettaja"])
    )
    by_unit_year: dict[tuple, dict[str, list[int]]] = {}
    for year, staff_id, unit_id, group in teaching.select(
        "school_year_id", "staff_id", "unit_id", "staff_group"
    ).rows():
        by_unit_year.setdefault((unit_id, year), {}).setdefault(group, []).append(staff_id)
    rows = []
    counters: dict[tuple, int] = {}
    for group_id, year, unit_id, special in groups.select(
        "group_id", "school_year_id", "unit_id", "is_special_class"
    ).rows():
        pools = by_unit_year.get((unit_id, year), {})
        pool = (
            (pools.get("erityisopettaja") if special else None)
            or pools.get("opettaja")
            or pools.get("varhaiskasvatuksen_opettaja")
            or pools.get("erityisopettaja")
            or []
        )
        if not pool:
            continue
        i = counters.get((unit_id, year), 0)
        counters[(unit_id, year)] = i + 1
        main = pool[i % len(pool)]
        rows.append((group_id, main))
        everyone = [s for p in pools.values() for s in p]
        if rng.random() < 0.35 and len(everyone) > 1:
            co = everyone[int(rng.integers(len(everyone)))]
            if co != main:
                rows.append((group_id, co))
    return pl.DataFrame(rows, schema=["group_id", "staff_id"], orient="row").unique()


def _trainings(rng: np.random.Generator, scale: float) -> pl.DataFrame:
    rows, training_id = [], 1
    for year in SCHOOL_YEARS:
        n = max(6, round(45 * scale))
        for k in range(n):
            topic = TRAINING_TOPICS[k % 3]
            month = [9, 10, 11, 1, 2, 3, 4, 5][k % 8]
            held = dt.date(year + (month < 8), month, 1 + int(rng.integers(0, 27)))
            if held > DATA_AS_OF:
                held = dt.date(year, 8 + k % 3, 10 + k % 15)
            title = {
                "tietosuoja": "Tietosuojan perusteet",
                "tiedonhallinta": "Tiedonhallinta arjessa",
                "digiturvallisuus": "Digiturvallisuus ja tietoturva",
            }[topic]
            rows.append(
                (
                    training_id,
                    year,
                    f"{title} {k // 3 + 1}",
                    topic,
                    held,
                    float(rng.choice([1.5, 2.0, 3.0])),
                    topic == "tietosuoja",
                )
            )
            training_id += 1
    return pl.DataFrame(
        rows,
        schema=["training_id", "school_year_id", "name", "topic", "held_on", "hours", "is_mandatory"],
        orient="row",
    )


def _demo_accounts(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Pick demo users from the generated city: a school with a special class, its principal and a teacher."""
    unit_id, leader = con.sql(
        """
        select u.unit_id, min(e.staff_id) filter (where s.is_leader)
        from dim_unit u
        join dim_group g on g.unit_id = u.unit_id and g.school_year_id = $y and g.is_special_class
        join fct_employment e on e.unit_id = u.unit_id and e.school_year_id = $y
        join dim_staff s using (staff_id)
        where u.sector = 'perusopetus' and u.language = 'fi'
        group by u.unit_id order by u.unit_id limit 1""",
        params={"y": CURRENT_SCHOOL_YEAR},
    ).fetchall()[0]
    # The demo teacher: most groups in that school this year, preferring one who co-teaches.
    teacher = con.sql(
        """
        select t.staff_id
        from brg_group_teacher t join dim_group g using (group_id)
        where g.unit_id = $u and g.school_year_id = $y
        group by t.staff_id
        order by count(*) desc, bool_or(t.group_id in (select group_id from brg_group_teacher group by group_id
                                                      having count(*) > 1)) desc, t.staff_id
        limit 1""",
        params={"u": unit_id, "y": CURRENT_SCHOOL_YEAR},
    ).fetchall()[0][0]
    ecec_unit = con.sql("select min(unit_id) from dim_unit where sector = 'varhaiskasvatus'").fetchall()[0][0]
    return {
        "johto": {"role": "sector_lead", "name": "Johtoryhmän Jäsen"},
        "rehtori": {"role": "principal", "units": [unit_id], "staff_id": leader, "name": "Rehtori Demo"},
        "rehtori2": {"role": "principal", "units": [unit_id, ecec_unit], "name": "Rehtori Kahden Yksikön"},
        "opettaja": {"role": "teacher", "staff_id": teacher, "name": "Opettaja Demo"},
        "admin": {"role": "admin", "name": "Tietosuojavastaava Demo"},
        "vieras": {"role": None, "name": "Vieras Ilman Roolia"},
    }


def write_demo_accounts(config_dir: Path, accounts: dict[str, dict]) -> None:
    """users.yaml (role and scope) and credentials.yaml (bcrypt hashes only), 0400."""
    import yaml

    from tilannekuva.security import hash_password

    config_dir.mkdir(parents=True, exist_ok=True)
    users = {u: {k: v for k, v in a.items() if k != "name" and v is not None} for u, a in accounts.items()}
    credentials = {
        "usernames": {
            u: {"name": a["name"], "email": f"{u}@demo.invalid", "password": hash_password(DEMO_PASSWORDS[u])}
            for u, a in accounts.items()
        }
    }
    for name, content in (("users.yaml", {"users": users}), ("credentials.yaml", {"credentials": credentials})):
        path = config_dir / name
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        private_file(tmp)
        tmp.write_text(
            "# Written by `tilannekuva demo`; demo data only.\n"
            + yaml.safe_dump(content, allow_unicode=True, sort_keys=True),
            encoding="utf-8",
        )
        tmp.chmod(READ_ONLY)  # 0400: the service account reads it; only a rewrite replaces it
        tmp.replace(path)


def build_demo(warehouse_dir: Path, scale: float = 1.0, seed: int = 1, config_dir: Path | None = None) -> DemoResult:
    """Generate the synthetic city into a new versioned file, publish it, and write the demo accounts."""
    if not 0 < scale <= 20:
        raise ValueError("scale must be in (0, 20]")
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    warehouse_dir = Path(warehouse_dir)
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    path = warehouse_dir / f"tilannekuva-{stamp}-demo-s{scale:g}-seed{int(seed)}.duckdb"

    units = _units(rng, scale)
    pupils, enrol, groups = _pupils_and_groups(rng, units)
    staff, employment = _staff(rng, units, enrol)
    group_teacher = _group_teachers(rng, groups, employment, staff)
    trainings = _trainings(rng, scale)
    years = pl.DataFrame(
        {
            "school_year_id": SCHOOL_YEARS,
            "label": [f"{y}–{y + 1}" for y in SCHOOL_YEARS],
            "starts_on": [dt.date(y, 8, 1) for y in SCHOOL_YEARS],
            "ends_on": [dt.date(y + 1, 7, 31) for y in SCHOOL_YEARS],
            "is_current": [y == CURRENT_SCHOOL_YEAR for y in SCHOOL_YEARS],
        }
    )
    districts = pl.DataFrame(DISTRICTS, schema=["district_id", "name_fi", "name_sv"], orient="row")
    log.info("dimensions drawn in %.1f s", time.perf_counter() - started)

    with writer_lock(warehouse_dir):
        building = building_file(warehouse_dir, stamp)
        con = duck.connect(building, build=True)
        tighten(building)  # every pupil: readable by the service account only
        try:
            accounts, counts = _fill(
                con,
                seed,
                [
                    ("dim_school_year", years),
                    ("dim_district", districts),
                    ("dim_unit", units),
                    ("dim_staff", staff),
                    ("fct_employment", employment),
                    ("dim_group", groups),
                    ("brg_group_teacher", group_teacher),
                    ("dim_pupil", pupils),
                    ("fct_enrolment", enrol),
                    ("dim_training", trainings),
                ],
            )
        except BaseException:
            con.close()
            remove_file(building)
            raise
        con.close()
        building.rename(path)
        publish(warehouse_dir, path)
        remove_old_versions(warehouse_dir)
    if config_dir is not None:
        write_demo_accounts(Path(config_dir), accounts)
    return DemoResult(path, time.perf_counter() - started, counts)


def _fill(con: duckdb.DuckDBPyConnection, seed: int, frames: list[tuple[str, pl.DataFrame]]):
    """Create the schema in a new file, insert the dimensions, generate the facts and rollups."""
    con.execute("set preserve_insertion_order = false")
    con.execute(schema_sql())
    con.execute("set variable seed = $s::ubigint", {"s": int(seed)})
    con.execute("set variable as_of = $d::date", {"d": DATA_AS_OF})
    con.execute("set variable current_year = $y::integer", {"y": CURRENT_SCHOOL_YEAR})
    # u(a, b) is a deterministic uniform in [0, 1) for any key; z(a, b) a standard normal.
    con.execute("create temp macro u(a, b) as (hash(a, b, getvariable('seed')) % 1000003) / 1000003.0")
    con.execute("""create temp macro z(a, b) as
        sqrt(-2 * ln(greatest(u(a, b || 'x'), 1e-9))) * cos(2 * pi() * u(a, b || 'y'))""")
    for table, frame in frames:
        con.register("frame", frame)
        con.execute(f"insert into {table} by name select * from frame")
        con.unregister("frame")
    _generate_facts(con)
    refresh_aggregates(con, DATA_AS_OF)
    accounts = _demo_accounts(con)
    counts = {
        t: n
        for t, n in con.sql(
            "select table_name, estimated_size from duckdb_tables() where schema_name = 'main' order by 1"
        ).fetchall()
    }
    con.execute("checkpoint")
    return accounts, counts


def _generate_facts(con: duckdb.DuckDBPyConnection) -> None:
    """The large facts, generated in SQL from hash-based uniforms."""
    t = time.perf_counter()
    # M1: reach rises year on year and differs by unit; the current year is only a few months old.
    con.execute("""
        insert into fct_training_participation
        with staff_year as (
            select e.school_year_id, e.staff_id, e.unit_id,
                   0.52 + 0.07 * (e.school_year_id - 2022) + 0.12 * z(e.unit_id, 'unit_reach')
                   - case when e.school_year_id = getvariable('current_year') then 0.33 else 0 end as p
            from fct_employment e
        ), attended as (
            select s.*, t.training_id, t.held_on,
                   row_number() over (partition by s.school_year_id, s.staff_id
                                      order by u(s.staff_id, 'pick' || t.training_id)) as pick
            from staff_year s join dim_training t using (school_year_id)
            where u(s.staff_id, 'trained' || s.school_year_id) < s.p and t.held_on <= getvariable('as_of')
        )
        select training_id, staff_id, held_on from attended
        where pick = 1 or (pick = 2 and u(staff_id, 'second' || school_year_id) < 0.25)""")
    # M2: about 60 % answer; ratings by a per-training quality.
    con.execute("""
        insert into fct_training_feedback
        select row_number() over (order by p.training_id, p.staff_id), p.training_id, e.unit_id,
               least(5, greatest(1, round(3.7 + 0.5 * z(p.training_id, 'quality') + 0.8 * z(p.staff_id, 'rating' || p.training_id))))::integer,
               p.attended_on + 1
        from fct_training_participation p
        join dim_training t using (training_id)
        join fct_employment e on e.staff_id = p.staff_id and e.school_year_id = t.school_year_id
        where u(p.staff_id, 'feedback' || p.training_id) < 0.6""")
    # M5: yearly spring survey (none yet for the current year), about 55 % answer; slow improvement.
    con.execute(
        """
        insert into fct_competence_survey
        with answered as (
            select e.*, row_number() over (order by e.school_year_id, e.staff_id) as response_id
            from fct_employment e
            where e.school_year_id < getvariable('current_year')
              and u(e.staff_id, 'survey' || e.school_year_id) < 0.55 + 0.1 * z(e.unit_id, 'survey_activity')
        )
        select a.response_id, a.school_year_id, a.staff_id, a.unit_id, area,
               least(5, greatest(1, round(3.0 + 0.09 * (a.school_year_id - 2022) + 0.3 * z(a.unit_id, 'comp' || area)
                                          + 0.6 * z(a.staff_id, area) + case when area like 'ymparisto%' then 0.3 else 0 end)))::integer
        from answered a
        cross join (select unnest($areas) as area)""",
        {"areas": SURVEY_AREAS},
    )
    # M6: 0–4 conversations per unit and year.
    con.execute(
        """
        insert into fct_service_design_conversation
        with slots as (
            select u.unit_id, y.school_year_id, k
            from dim_unit u cross join dim_school_year y cross join range(4) r(k)
            where u(u.unit_id, 'conv' || y.school_year_id || '/' || k) < 0.25 + 0.08 * (y.school_year_id - 2022)
        )
        select row_number() over (order by school_year_id, unit_id, k), school_year_id, unit_id,
               $themes[1 + (hash(unit_id, k, school_year_id) % 5)::integer],
               least(make_date(school_year_id, 9, 1) + (30 * k + (hash(unit_id, k) % 25))::integer, getvariable('as_of')),
               3 + (hash(unit_id, school_year_id, k) % 20)::integer
        from slots""",
        {"themes": CONVERSATION_THEMES},
    )
    log.info("staff facts in %.1f s", time.perf_counter() - t)
    t = time.perf_counter()
    # S1: monthly absences of pupils in basic and upper secondary education. A few pupils' absences
    # rise through the current school year.
    con.execute("""
        insert into fct_absence
        with months as (
            select y.school_year_id, (y.starts_on + to_months(m))::date as month, m
            from dim_school_year y cross join range(10) r(m)
            where (y.starts_on + to_months(m))::date <= getvariable('as_of')
        ), pupil as (
            select e.*, exp(0.55 * z(e.pupil_id, 'absent')) as base,
                   u(e.pupil_id, 'rising') < 0.04 and e.school_year_id = getvariable('current_year') as rising
            from fct_enrolment e join dim_unit un using (unit_id)
            where un.sector <> 'varhaiskasvatus'
        )
        select p.school_year_id, mo.month, p.pupil_id, p.group_id, p.unit_id, hours, round(hours * unexcused_share, 1)
        from pupil p join months mo using (school_year_id),
        lateral (select round(greatest(0, p.base * case when mo.m = 0 then 2.5 else 6 end
                                             * (1 + 0.35 * z(p.pupil_id, 'month' || mo.month))
                                       + case when p.rising then 9 * mo.m else 0 end), 1) as hours,
                        least(1, 0.08 + 0.1 * u(p.pupil_id, 'unexcused') + case when p.rising then 0.3 else 0 end)
                            as unexcused_share)""")
    # S3: grades 4–10 from grade 4 up; some of the rising-absence pupils' grades fall too.
    con.execute(
        """
        insert into fct_assessment
        with terms as (select * from (values ('syksy'), ('kevat')) t(term)),
        pupil as (
            select e.*, g.grade as class_grade, un.sector,
                   u(e.pupil_id, 'rising') < 0.04 and e.school_year_id = getvariable('current_year') as rising
            from fct_enrolment e join dim_group g using (group_id) join dim_unit un on un.unit_id = e.unit_id
            where un.sector = 'lukio' or (un.sector = 'perusopetus' and (g.grade >= 4 or g.is_special_class))
        )
        select p.school_year_id, t.term, p.pupil_id, p.group_id, p.unit_id, s.subject,
               least(10, greatest(4, round(7.9 + sh.shift + 0.9 * z(p.pupil_id, 'ability')
                                          + 0.3 * z(p.unit_id, 'school' || s.subject)
                                          + 0.5 * z(p.pupil_id, s.subject || p.school_year_id || t.term)
                                          - case when p.rising and u(p.pupil_id, 'falls') < 0.6 then 1.8 else 0 end)))::integer
        from pupil p cross join terms t
        join (select unnest($basic) as subject, 'perusopetus' as sector
              union all select unnest($upper), 'lukio') s on s.sector = p.sector
        join (select unnest($shifted) as subject, unnest($shifts) as shift) sh on sh.subject = s.subject
        where not (p.school_year_id = getvariable('current_year') and t.term = 'kevat')""",
        {
            "basic": SUBJECTS_BASIC,
            "upper": SUBJECTS_UPPER,
            "shifted": list(SUBJECT_SHIFT),
            "shifts": list(SUBJECT_SHIFT.values()),
        },
    )
    # S2: support decisions in basic education. Before 1 Aug 2025 the three tiers (tehostettu and
    # erityinen are decisions); from 1 Aug 2025 group-specific and pupil-specific support. Old
    # decisions still run in 2025–2026 until reviewed (transition ends 31 Aug 2026).
    con.execute("""
        insert into fct_support_decision
        with pupil as (
            select e.*, g.is_special_class, u(e.pupil_id, 'need') as need,
                   u(e.pupil_id, 'rising') < 0.04 and e.school_year_id = getvariable('current_year') as rising
            from fct_enrolment e join dim_group g using (group_id) join dim_unit un on un.unit_id = e.unit_id
            where un.sector = 'perusopetus'
        ), decided as (
            select p.*,
                case
                  when p.school_year_id < 2025 or (p.school_year_id = 2025 and u(p.pupil_id, 'reviewed') < 0.45) then
                    case when p.is_special_class or p.need < 0.085 + 0.004 * (p.school_year_id - 2022) then 'erityinen_tuki'
                         when p.need < 0.21 + 0.01 * (p.school_year_id - 2022) then 'tehostettu_tuki' end
                  else
                    case when p.is_special_class then 'erityisopetus_pienryhmassa'
                         when p.need < 0.03 then 'tulkitsemis_ja_avustajapalvelut'
                         when p.need < 0.065 then 'erityisopetus_pienryhmassa'
                         when p.need < 0.09 then 'apuvalineet'
                         when p.need < 0.17 then 'osa_aikainen_erityisopetus'
                         when p.need < 0.26 then 'tukiopetus' end
                end as support_form
            from pupil p
            where not p.rising or u(p.pupil_id, 'has_support') < 0.3
        )
        select row_number() over (order by school_year_id, pupil_id), pupil_id, unit_id, school_year_id,
               case when support_form in ('erityinen_tuki', 'tehostettu_tuki') then 'ennen_2025' else 'alkaen_2025' end,
               case when support_form = 'erityinen_tuki' then 'erityinen'
                    when support_form = 'tehostettu_tuki' then 'tehostettu'
                    when support_form in ('tukiopetus', 'osa_aikainen_erityisopetus') then 'ryhmakohtainen'
                    else 'oppilaskohtainen' end,
               support_form,
               make_date(school_year_id, 8, 1),
               case when school_year_id = 2025 and support_form in ('erityinen_tuki', 'tehostettu_tuki')
                    then date '2026-08-31' else make_date(school_year_id + 1, 7, 31) end
        from decided where support_form is not null""")
    log.info("pupil facts in %.1f s", time.perf_counter() - t)
    t = time.perf_counter()
    _generate_logins(con)
    log.info("e-service sign-ins in %.1f s", time.perf_counter() - t)
    # M4: Tilannekuva's own use, fed by its access log; the demo has a pilot since Aug 2025.
    con.execute("""
        insert into fct_dashboard_use
        select month, 'demo-' || e.staff_id, case when s.is_leader then 'principal' else 'teacher' end,
               e.unit_id, 1 + (hash(e.staff_id, month) % 12)::integer, 'demo'
        from fct_employment e join dim_staff s using (staff_id)
        cross join (select (date '2025-08-01' + to_months(m))::date as month from range(16) r(m)) mo
        where e.school_year_id = case when month >= date '2026-08-01' then 2026 else 2025 end
          and month <= getvariable('as_of')
          and s.staff_group in ('rehtori', 'opettaja', 'varhaiskasvatuksen_opettaja', 'erityisopettaja')
          and u(e.staff_id, 'dash' || month) < case when s.is_leader then 0.75 else 0.22 end
                                                 + 0.015 * datediff('month', date '2025-08-01', month)""")


def _generate_logins(con: duckdb.DuckDBPyConnection) -> None:
    """M3 raw sign-in events: who may use which service, a monthly chance of activity with a
    seasonal dip in summer and a trend across years, and a few sign-ins per active month."""
    con.execute("""
        create temp table eservice_user as
        with person as (
            select e.school_year_id, 'h' || e.staff_id as user_key, 'henkilosto' as user_type, e.unit_id, un.sector
            from fct_employment e join dim_unit un using (unit_id)
            union all
            select e.school_year_id, 'o' || e.pupil_id, 'oppilas', e.unit_id, un.sector
            from fct_enrolment e join dim_group g using (group_id) join dim_unit un on un.unit_id = e.unit_id
            where un.sector = 'lukio' or (un.sector = 'perusopetus' and coalesce(g.grade, 5) >= 3)
            union all
            select e.school_year_id, 'g' || e.pupil_id, 'huoltaja', e.unit_id, un.sector
            from fct_enrolment e join dim_unit un using (unit_id)
            where un.sector in ('varhaiskasvatus', 'perusopetus')
        ), service as (
            select * from (values
                ('wilma', 'henkilosto', 'perusopetus', 0.92), ('wilma', 'henkilosto', 'lukio', 0.95),
                ('wilma', 'oppilas', 'perusopetus', 0.55), ('wilma', 'oppilas', 'lukio', 0.9),
                ('wilma', 'huoltaja', 'perusopetus', 0.8),
                ('teams', 'henkilosto', 'varhaiskasvatus', 0.55), ('teams', 'henkilosto', 'perusopetus', 0.75),
                ('teams', 'henkilosto', 'lukio', 0.85), ('teams', 'oppilas', 'perusopetus', 0.45),
                ('teams', 'oppilas', 'lukio', 0.7),
                ('oppimisalusta', 'oppilas', 'perusopetus', 0.5), ('oppimisalusta', 'oppilas', 'lukio', 0.8),
                ('oppimisalusta', 'henkilosto', 'perusopetus', 0.5), ('oppimisalusta', 'henkilosto', 'lukio', 0.7),
                ('sahkoposti', 'henkilosto', 'varhaiskasvatus', 0.7), ('sahkoposti', 'henkilosto', 'perusopetus', 0.85),
                ('sahkoposti', 'henkilosto', 'lukio', 0.9),
                ('vaka_easiointi', 'huoltaja', 'varhaiskasvatus', 0.65),
                ('vaka_easiointi', 'henkilosto', 'varhaiskasvatus', 0.6)
            ) s(service, user_type, sector, base)
        )
        select p.school_year_id, p.user_key, p.user_type, p.unit_id, s.service,
               least(0.98, s.base * (0.8 + 0.06 * (p.school_year_id - 2022)) * (0.7 + 0.6 * u(p.user_key, s.service))) as p_active,
               1.0 + 4.5 * u(p.user_key, s.service || 'freq') as rate
        from person p join service s using (user_type, sector)""")
    con.execute("""
        insert into agg_eservice_eligible
        select school_year_id, service, user_type, unit_id, count(*) from eservice_user group by all
        union all  -- the people with an account in any service ('kaikki'): M3's base
        select school_year_id, 'kaikki', user_type, unit_id, count(distinct user_key) from eservice_user group by all""")
    con.execute("""
        insert into stg_eservice__logins
        with month as (
            select y.school_year_id, (y.starts_on + to_months(m))::date as month, m,
                   case m when 11 then 0.25 when 10 then 0.55 when 0 then 0.6 when 4 then 0.85 else 1.0 end as season
            from dim_school_year y cross join range(12) r(m)
            where (y.starts_on + to_months(m))::date <= getvariable('as_of')
        ), active as (
            select eu.*, mo.month, mo.season,
                   1 + floor(eu.rate * mo.season * 2 * u(eu.user_key, eu.service || mo.month))::integer as logins
            from eservice_user eu join month mo using (school_year_id)
            where u(eu.user_key, eu.service || 'm' || mo.month) < eu.p_active * mo.season
        )
        -- spread over the month's first 28 days, or up to the data date in the current month
        select a.month + to_seconds((hash(a.user_key, a.service, a.month, k)
                                     % (86400 * least(28, datediff('day', a.month, getvariable('as_of')) + 1)))::bigint)
                   as logged_in_at,
               a.service, a.user_type, a.user_key, a.unit_id
        from active a, range(a.logins) r(k)""")
    con.execute("drop table eservice_user")
