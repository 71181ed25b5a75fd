"""The source contracts: what each source system's export must look like. The one place.

A contract names the warehouse table an export loads into, the file names it is recognised by,
every column (type, required, range, allowed values, reference to a dimension), the key, how a
re-load replaces earlier data (`upsert` by key for dimensions, `replace` by period for facts),
cross-column rules, and how the source's data-as-of date is computed.

`schema_for(contract, known)` turns a contract into a dataframely schema for one load; the
admin page and `tilannekuva contracts` render the same objects, so documentation and checks
cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import dataframely as dy
import polars as pl

from tilannekuva.competence import AREAS

TYPES = ("int", "bigint", "str", "date", "timestamp", "decimal", "bool")
POLARS_TYPES: dict[str, pl.DataType] = {
    "int": pl.Int32(),
    "bigint": pl.Int64(),
    "str": pl.String(),
    "date": pl.Date(),
    "timestamp": pl.Datetime("us"),
    "decimal": pl.Float64(),
    "bool": pl.Boolean(),
}
EARLIEST = dt.date(2000, 1, 1)
ROW = "source_row"  # not a contract column name


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = True
    min: float | dt.date | None = None
    max: float | dt.date | str | None = None  # "today": no later than the day of the load
    allowed: tuple[str, ...] | None = None
    ref: str | None = None  # "dim_unit.unit_id": must exist there or in the same load

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class Rule:
    """A rule over several columns of one row; `expr` is True for a valid row."""

    name: str
    columns: tuple[str, ...]
    expr: Callable[[], pl.Expr]


RHYTHMS = ("daily", "weekly", "monthly", "termly", "yearly")
# The as-of "expression" of a register snapshot (the support decisions in force): its data are as of the day
# the load brought them (tilannekuva.aggregates caps every as-of date at that day; this is the cap itself).
# The latest decision's start date said nothing of how current the register was: a snapshot loaded yesterday
# read "data up to 1.8." and was marked stale (attack finding 19b-2).
LOAD_DAY = "$as_of"


@dataclass(frozen=True)
class Freshness:
    """How often a source should arrive (`rhythm`, for people) and how many days its data-as-of date may
    lag the day it is judged on before it is stale (`stale_after_days`: the rhythm plus the source's usual
    delay and, for school-year rhythms, the summer). tilannekuva.freshness judges it."""

    rhythm: str
    stale_after_days: int

    def __post_init__(self):
        if self.rhythm not in RHYTHMS:
            raise ValueError(f"unknown rhythm {self.rhythm!r}")
        if self.stale_after_days < 1:
            raise ValueError("stale_after_days must be at least 1")


@dataclass(frozen=True)
class Contract:
    name: str  # the export's name, also the start of its file names
    table: str  # the warehouse table it loads into
    system: str  # the source system that exports it
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # unique within a file (and, for upserts, the merge key)
    mode: str = "replace"  # "upsert": merge by key; "replace": delete the file's periods, insert
    period: tuple[str, ...] = ()  # replace mode: SQL expressions over the table naming a period
    rules: tuple[Rule, ...] = ()
    as_of: str | None = None  # SQL aggregate over the table: the last day the data covers
    freshness: Freshness | None = None  # how often it should arrive (every source with an as_of has one)
    order: int = 100  # dimensions load before the facts that reference them

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def system_key(self) -> str:
        """The catalog key of the source system's name in the reader's language ('system.kirjautumisloki')."""
        plain = self.system.lower().translate(str.maketrans({"ä": "a", "ö": "o", "å": "a", " ": "_"}))
        return f"system.{plain}"


def _c(name, type_, **kw) -> Column:
    return Column(name, type_, **kw)


SCHOOL_YEAR = _c("school_year_id", "int", min=2000, max=2100, ref="dim_school_year.school_year_id")
UNIT = _c("unit_id", "int", ref="dim_unit.unit_id")
STAFF = _c("staff_id", "int", ref="dim_staff.staff_id")
PUPIL = _c("pupil_id", "int", ref="dim_pupil.pupil_id")
GROUP = _c("group_id", "int", ref="dim_group.group_id")
TRAINING = _c("training_id", "int", ref="dim_training.training_id")
SERVICES = ("wilma", "teams", "oppimisalusta", "sahkoposti", "vaka_easiointi")
ANY_SERVICE = "kaikki"  # kayttajatilit: the people with an account in at least one of the services (M3's base)
USER_TYPES = ("henkilosto", "oppilas", "huoltaja")
OLD_LEVELS = ("yleinen", "tehostettu", "erityinen")
NEW_LEVELS = ("ryhmakohtainen", "oppilaskohtainen")
REFORM_DATE = dt.date(2025, 8, 1)

CONTRACTS: dict[str, Contract] = {
    c.name: c
    for c in sorted(
        [
            Contract(
                "lukuvuodet",
                "dim_school_year",
                "Opetushallinto",
                order=1,
                mode="upsert",
                key=("school_year_id",),
                columns=(
                    _c("school_year_id", "int", min=2000, max=2100),
                    _c("label", "str"),
                    _c("starts_on", "date"),
                    _c("ends_on", "date"),
                    _c("is_current", "bool"),
                ),
                rules=(
                    Rule("ends_after_start", ("starts_on", "ends_on"), lambda: pl.col("ends_on") > pl.col("starts_on")),
                ),
            ),
            Contract(
                "alueet",
                "dim_district",
                "Opetushallinto",
                order=2,
                mode="upsert",
                key=("district_id",),
                columns=(_c("district_id", "int", min=1), _c("name_fi", "str"), _c("name_sv", "str")),
            ),
            Contract(
                "yksikot",
                "dim_unit",
                "Toimipisterekisteri",
                order=3,
                mode="upsert",
                key=("unit_id",),
                columns=(
                    _c("unit_id", "int", min=1),
                    _c("name", "str"),
                    _c("language", "str", allowed=("fi", "sv")),
                    _c("sector", "str", allowed=("varhaiskasvatus", "perusopetus", "lukio")),
                    _c("district_id", "int", ref="dim_district.district_id"),
                ),
            ),
            Contract(
                "henkilosto",
                "dim_staff",
                "Henkilöstöhallinto",
                order=4,
                mode="upsert",
                key=("staff_id",),
                columns=(
                    _c("staff_id", "int", min=1),
                    _c("first_name", "str"),
                    _c("last_name", "str"),
                    _c(
                        "staff_group",
                        "str",
                        allowed=(
                            "opettaja",
                            "varhaiskasvatuksen_opettaja",
                            "erityisopettaja",
                            "rehtori",
                            "ohjaaja",
                            "muu",
                        ),
                    ),
                    _c("is_leader", "bool"),
                ),
            ),
            Contract(
                "palvelussuhteet",
                "fct_employment",
                "Henkilöstöhallinto",
                order=5,
                key=("school_year_id", "staff_id"),
                period=("school_year_id",),
                as_of="max(starts_on) from {table} join dim_school_year using (school_year_id)",
                freshness=Freshness("yearly", 400),
                columns=(SCHOOL_YEAR, STAFF, UNIT),
            ),
            Contract(
                "ryhmat",
                "dim_group",
                "Wilma",
                order=6,
                mode="upsert",
                key=("group_id",),
                columns=(
                    _c("group_id", "int", min=1),
                    SCHOOL_YEAR,
                    UNIT,
                    _c("name", "str"),
                    _c("grade", "int", required=False, min=1, max=12),
                    _c("is_special_class", "bool"),
                ),
            ),
            Contract(
                "ryhmien_opettajat",
                "brg_group_teacher",
                "Wilma",
                order=7,
                key=("group_id", "staff_id"),
                period=("group_id",),
                columns=(GROUP, STAFF),
            ),
            Contract(
                "oppilaat",
                "dim_pupil",
                "Wilma",
                order=8,
                mode="upsert",
                key=("pupil_id",),
                columns=(
                    _c("pupil_id", "int", min=1),
                    _c("first_name", "str"),
                    _c("last_name", "str"),
                    _c("birth_year", "int", min=1990, max=2030),
                    _c("language", "str", allowed=("fi", "sv")),
                ),
            ),
            Contract(
                "ilmoittautumiset",
                "fct_enrolment",
                "Wilma",
                order=9,
                key=("school_year_id", "pupil_id"),
                period=("school_year_id",),
                as_of="max(make_date(school_year_id, 8, 1)) from {table}",
                freshness=Freshness("yearly", 400),
                columns=(SCHOOL_YEAR, PUPIL, GROUP, UNIT),
            ),
            Contract(
                "koulutukset",
                "dim_training",
                "Koulutusrekisteri",
                order=10,
                mode="upsert",
                key=("training_id",),
                columns=(
                    _c("training_id", "int", min=1),
                    SCHOOL_YEAR,
                    _c("name", "str"),
                    _c("topic", "str", allowed=("tietosuoja", "tiedonhallinta", "digiturvallisuus")),
                    _c("held_on", "date", min=EARLIEST),
                    _c("hours", "decimal", min=0.5, max=40),
                    _c("is_mandatory", "bool"),
                ),
            ),
            Contract(
                "koulutusosallistumiset",
                "fct_training_participation",
                "Koulutusrekisteri",
                order=11,
                key=("training_id", "staff_id"),
                period=("training_id",),
                as_of="max(attended_on) from {table}",
                freshness=Freshness("monthly", 75),
                columns=(TRAINING, STAFF, _c("attended_on", "date", min=EARLIEST, max="today")),
            ),
            Contract(
                "koulutuspalaute",
                "fct_training_feedback",
                "Palautekysely",
                order=12,
                key=("feedback_id",),
                period=("training_id",),
                as_of="max(answered_on) from {table}",
                freshness=Freshness("monthly", 75),
                columns=(
                    _c("feedback_id", "int", min=1),
                    TRAINING,
                    UNIT,
                    _c("rating", "int", min=1, max=5),
                    _c("answered_on", "date", min=EARLIEST, max="today"),
                ),
            ),
            Contract(
                "kayttajatilit",
                "agg_eservice_eligible",
                "Käyttäjähallinta",
                order=13,
                key=("school_year_id", "service", "user_type", "unit_id"),
                period=("school_year_id",),
                as_of="max(make_date(school_year_id, 8, 1)) from {table}",
                freshness=Freshness("yearly", 400),
                columns=(
                    SCHOOL_YEAR,
                    _c("service", "str", allowed=(*SERVICES, ANY_SERVICE)),
                    _c("user_type", "str", allowed=USER_TYPES),
                    UNIT,
                    _c("eligible_users", "int", min=0),
                ),
            ),
            Contract(
                "kirjautumiset",
                "stg_eservice__logins",
                "Kirjautumisloki",
                order=14,
                period=("date_trunc('month', logged_in_at)::date",),
                as_of="max(logged_in_at)::date from {table}",
                freshness=Freshness("daily", 7),
                columns=(
                    _c("logged_in_at", "timestamp", min=EARLIEST, max="today"),
                    _c("service", "str", allowed=SERVICES),
                    _c("user_type", "str", allowed=USER_TYPES),
                    _c("user_key", "str"),
                    UNIT,
                ),
            ),
            Contract(
                "osaamiskysely",
                "fct_competence_survey",
                "Osaamiskysely",
                order=15,
                key=("response_id", "area"),
                period=("school_year_id",),
                as_of="max(make_date(school_year_id + 1, 5, 31)) from {table}",
                freshness=Freshness("yearly", 425),
                columns=(
                    _c("response_id", "int", min=1),
                    SCHOOL_YEAR,
                    STAFF,
                    UNIT,
                    _c(
                        "area",
                        "str",
                        allowed=AREAS,
                    ),
                    _c("score", "int", min=1, max=5),
                ),
            ),
            Contract(
                "palvelumuotoilu",
                "fct_service_design_conversation",
                "Palvelumuotoilu",
                order=16,
                key=("conversation_id",),
                period=("school_year_id",),
                as_of="max(held_on) from {table}",
                freshness=Freshness("monthly", 75),
                columns=(
                    _c("conversation_id", "int", min=1),
                    SCHOOL_YEAR,
                    UNIT,
                    _c("theme", "str"),
                    _c("held_on", "date", min=EARLIEST, max="today"),
                    _c("participants", "int", min=1, max=500),
                ),
            ),
            Contract(
                "poissaolot",
                "fct_absence",
                "Wilma",
                order=17,
                key=("month", "pupil_id"),
                period=("month",),
                as_of="max(last_day(month)) from {table}",
                freshness=Freshness("weekly", 10),
                columns=(
                    SCHOOL_YEAR,
                    _c("month", "date", min=EARLIEST, max="today"),
                    PUPIL,
                    GROUP,
                    UNIT,
                    _c("absence_hours", "decimal", min=0, max=400),
                    _c("unexcused_hours", "decimal", min=0, max=400),
                ),
                rules=(
                    Rule("first_of_month", ("month",), lambda: pl.col("month").dt.day() == 1),
                    Rule(
                        "unexcused_within_total",
                        ("unexcused_hours", "absence_hours"),
                        lambda: pl.col("unexcused_hours") <= pl.col("absence_hours"),
                    ),
                ),
            ),
            Contract(
                "tukipaatokset",
                "fct_support_decision",
                "Wilma",
                order=18,
                key=("decision_id",),
                period=("school_year_id",),
                as_of=LOAD_DAY,  # a snapshot of the decisions in force: as of the day it is loaded
                freshness=Freshness("monthly", 45),
                columns=(
                    _c("decision_id", "int", min=1),
                    PUPIL,
                    UNIT,
                    SCHOOL_YEAR,
                    _c("regime", "str", allowed=("ennen_2025", "alkaen_2025")),
                    _c("support_level", "str", allowed=OLD_LEVELS + NEW_LEVELS),
                    _c("support_form", "str"),
                    _c("valid_from", "date", min=EARLIEST),
                    _c("valid_to", "date", required=False),
                ),
                rules=(
                    Rule(
                        "valid_to_after_from",
                        ("valid_from", "valid_to"),
                        lambda: pl.col("valid_to").is_null() | (pl.col("valid_to") >= pl.col("valid_from")),
                    ),
                    Rule(
                        "level_matches_regime",
                        ("regime", "support_level"),
                        lambda: (
                            pl.when(pl.col("regime") == "ennen_2025")
                            .then(pl.col("support_level").is_in(OLD_LEVELS))
                            .otherwise(pl.col("support_level").is_in(NEW_LEVELS))
                        ),
                    ),
                    Rule(
                        "new_regime_from_reform",
                        ("regime", "valid_from"),
                        lambda: (pl.col("regime") != "alkaen_2025") | (pl.col("valid_from") >= REFORM_DATE),
                    ),
                ),
            ),
            Contract(
                "tilannekuva_kaytto",
                "fct_dashboard_use",
                "Tilannekuvan käyttöloki",
                order=20,
                key=("month", "username"),
                period=("month", "source"),
                as_of="max(last_day(month)) from {table}",
                freshness=Freshness("monthly", 45),
                columns=(
                    _c("month", "date", min=EARLIEST, max="today"),
                    _c("username", "str"),
                    _c("role", "str", allowed=("sector_lead", "principal", "teacher", "admin")),
                    _c("unit_id", "int", required=False, ref="dim_unit.unit_id"),
                    _c("page_views", "int", min=0),
                    _c("source", "str", allowed=("access_log", "demo")),
                ),
                rules=(Rule("first_of_month", ("month",), lambda: pl.col("month").dt.day() == 1),),
            ),
            Contract(
                "arvioinnit",
                "fct_assessment",
                "Wilma",
                order=19,
                key=("school_year_id", "term", "pupil_id", "subject"),
                period=("school_year_id", "term"),
                as_of="max(case term when 'kevat' then make_date(school_year_id + 1, 5, 31) else make_date(school_year_id, 10, 31) end) from {table}",
                freshness=Freshness("termly", 200),
                columns=(
                    SCHOOL_YEAR,
                    _c("term", "str", allowed=("syksy", "kevat")),
                    PUPIL,
                    GROUP,
                    UNIT,
                    _c("subject", "str"),
                    _c("grade", "int", min=4, max=10),
                ),
            ),
        ],
        key=lambda c: c.order,
    )
}

REFERENCED = sorted({c.ref for contract in CONTRACTS.values() for c in contract.columns if c.ref})


def contract_for_file(file_name: str) -> Contract | None:
    """The contract whose name starts the file name (`kirjautumiset_2026-10.csv` -> kirjautumiset)."""
    stem = file_name.lower().split(".")[0]
    matches = [
        c
        for c in CONTRACTS.values()
        if stem == c.name or stem.startswith(c.name + "_") or stem.startswith(c.name + "-")
    ]
    return max(matches, key=lambda c: len(c.name)) if matches else None


@dataclass
class Known:
    """Values a reference may point at: the served warehouse's plus those in the same load."""

    values: dict[str, pl.Series] = field(default_factory=dict)

    def add(self, ref: str, series: pl.Series) -> None:
        old = self.values.get(ref)
        self.values[ref] = series if old is None else pl.concat([old, series]).unique()


def _bound(value, today: dt.date):
    return today if value == "today" else value


def schema_for(contract: Contract, known: Known, today: dt.date) -> type[dy.Schema]:
    """A dataframely schema for one load of `contract`; references are checked against `known`."""
    attrs: dict[str, object] = {ROW: dy.UInt32()}  # the row's position, carried into the failure details
    for col in contract.columns:
        checks: dict[str, Callable[[pl.Expr], pl.Expr]] = {}
        if col.allowed:
            checks["allowed"] = (lambda allowed: lambda c: c.is_in(allowed))(list(col.allowed))
        if col.ref:
            ids = known.values.get(col.ref, pl.Series(col.ref, [], dtype=POLARS_TYPES[col.type]))
            checks["reference"] = (lambda ids: lambda c: c.is_in(ids.implode()))(ids)  # noqa: B023 - bound by the outer lambda
        kw = dict(nullable=not col.required, check=checks or None, primary_key=col.name in contract.key)
        lo, hi = _bound(col.min, today), _bound(col.max, today)
        if col.type in ("int", "bigint"):
            attrs[col.name] = (dy.Int32 if col.type == "int" else dy.Int64)(min=lo, max=hi, **kw)
        elif col.type == "decimal":
            attrs[col.name] = dy.Float64(min=lo, max=hi, **kw)
        elif col.type == "date":
            attrs[col.name] = dy.Date(min=lo, max=hi, **kw)
        elif col.type == "timestamp":
            hi_ts = dt.datetime.combine(hi, dt.time.max) if isinstance(hi, dt.date) else None
            lo_ts = dt.datetime.combine(lo, dt.time.min) if isinstance(lo, dt.date) else None
            attrs[col.name] = dy.Datetime(min=lo_ts, max=hi_ts, **kw)
        elif col.type == "bool":
            attrs[col.name] = dy.Bool(**kw)
        else:
            attrs[col.name] = dy.String(min_length=1, **kw)
    for rule in contract.rules:
        attrs[rule.name] = (lambda r: dy.rule()(lambda cls: r.expr()))(rule)
    return type(f"{contract.name}_schema", (dy.Schema,), attrs)


def describe(contract: Contract) -> list[Mapping[str, object]]:
    """One row per column: what the admin page and the generated docs show."""
    rows = []
    for col in contract.columns:
        rows.append(
            {
                "column": col.name,
                "type": col.type,
                "required": col.required,
                "min": None if col.min is None else str(col.min),
                "max": None if col.max is None else str(col.max),
                "allowed": ", ".join(col.allowed) if col.allowed else None,
                "reference": col.ref,
                "key": col.name in contract.key,
            }
        )
    return rows


def rule_text(col: Column) -> str:
    """The column's checks in one line (English; the admin page renders them per language)."""
    parts = []
    if col.min is not None or col.max is not None:
        parts.append(f"{'' if col.min is None else col.min} … {'' if col.max is None else col.max}")
    if col.allowed:
        parts.append("one of " + ", ".join(col.allowed))
    if col.ref:
        parts.append(f"must exist in {col.ref}")
    return "; ".join(parts)


def contracts_markdown() -> str:
    """docs/CONTRACTS.md, generated from CONTRACTS (a test keeps the file in step): each source's columns,
    how often it should arrive and when it is stale, and the metrics of the catalogue that read it."""
    from tilannekuva.catalogue import catalogue

    reading = catalogue().reading
    lines = [
        "# Source contracts",
        "",
        "Generated by `tilannekuva contracts` from `tilannekuva/ingest/contracts.py`; do not edit by hand.",
        "",
        "A file is recognised by its name: `<source>.csv|.xlsx|.parquet` or `<source>_<anything>.<ext>`.",
        "CSV may be UTF-8 or Windows-1252, `;` or `,` separated, with decimal comma and d.m.yyyy dates.",
        "Dimensions (mode `upsert`) merge by key; facts (mode `replace`) replace the periods the file covers.",
        "",
    ]
    for c in CONTRACTS.values():
        lines += [
            f"## `{c.name}` → `{c.table}`",
            "",
            f"Source system: {c.system}. Mode: `{c.mode}`. Key: {', '.join(c.key) or '–'}."
            + (f" Replaces by: `{'`, `'.join(c.period)}`." if c.period else ""),
            "",
            (
                f"Freshness: arrives {c.freshness.rhythm}; stale when its data-as-of date is more than "
                f"{c.freshness.stale_after_days} days old."
                if c.freshness
                else "Freshness: reference data, no data-as-of date."
            )
            + (f" Read by the metrics {', '.join(reading(c.name))}." if reading(c.name) else " Read by no metric."),
            "",
        ]
        lines += ["| column | type | required | checks |", "|---|---|---|---|"]
        for col in c.columns:
            lines.append(f"| `{col.name}` | {col.type} | {'yes' if col.required else 'no'} | {rule_text(col)} |")
        if c.rules:
            lines += ["", "Row rules: " + ", ".join(f"`{r.name}` ({', '.join(r.columns)})" for r in c.rules) + "."]
        lines.append("")
    return "\n".join(lines)


def sources_frame() -> pl.DataFrame:
    """Every source with the warehouse table it loads and the system it comes from (the admin's loads page)."""
    return pl.DataFrame(
        {
            "source": list(CONTRACTS),
            "table": [c.table for c in CONTRACTS.values()],
            "system": [c.system for c in CONTRACTS.values()],
        }
    )
