"""What changed for one user: "Mitä uutta" on the landing pages and the digests by e-mail and Teams.

A `Snapshot` is what the user's own pages show of the things worth telling, read *as that user*:
every figure comes through `Warehouse.fetch(principal, …)` — the one scoped access layer, the same
named queries and the same functions the pages use (signals.signals_in_scope, metrics.unit_cards,
metrics.scorecard) — so a digest can never hold more than the recipient's own pages, and a sector
lead's figures are the suppressed ones their pages show. `changes(before, after, kinds)` lists what
changed between two snapshots as `Change`s: kinds of change and counts, and where to look.

Named pupils stay inside the app. A snapshot holds pupil ids (it is stored in the state directory,
0600, like the follow-up marks), and a Change carries the ids of its pupils so the app can list them
(`Change.pupils`), but `Change.text` and everything a digest sends (tilannekuva.delivery) say only
how many: "3 uutta oppilasta tukisignaalilistalla", with a link into the app.

What counts as a change worth telling is data: tilannekuva/catalogue/notifications.yaml (`Rules`),
overridable in the settings file's [notifications] table.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from urllib.parse import urlencode

import polars as pl
import yaml

from tilannekuva import metrics, signals
from tilannekuva.access import Principal
from tilannekuva.i18n import fmt_date, t
from tilannekuva.queries import load_query

FREQUENCIES = ("immediate", "daily", "weekly", "never")
LIGHTS = ("green", "amber", "red")  # a status change is a move between these ('pending' and 'none' are no verdict)
LEVELS = ("concern", "serious")  # absence thresholds, lowest first


class RulesError(ValueError):
    """notifications.yaml or the [notifications] settings are malformed; the message names the field."""


@dataclass(frozen=True)
class Rules:
    """What counts as a change worth telling (tilannekuva/catalogue/notifications.yaml)."""

    kinds: tuple[str, ...]  # in the order a digest lists them
    needs: Mapping[str, tuple[str, ...]]  # kind -> the named queries it reads
    defaults: Mapping[str, str]  # kind -> frequency
    metric_status: Mapping[str, bool]  # metric -> tell a change of light
    metric_moved: Mapping[str, float | None]  # metric -> tell a move of at least this much
    signal_new: bool = True
    signal_cleared: bool = True
    absence_levels: tuple[str, ...] = LEVELS
    hour: int = 7  # daily and weekly digests not before this hour
    weekday: int = 1  # weekly digests on this ISO weekday

    def kinds_for(self, principal: Principal) -> tuple[str, ...]:
        """The kinds `principal` may be told of: those whose every query its role may run."""
        return self.kinds_for_role(principal.role)

    def kinds_for_role(self, role: str) -> tuple[str, ...]:
        """The kinds a user of `role` (roles.yaml's name) may be told of: those whose every query the role
        may run (the queries' `-- roles:` headers). The admin's defaults per role offer only these."""
        return tuple(k for k in self.kinds if all(role in load_query(q).roles for q in self.needs[k]))


def rules_file() -> dict:
    text = resources.files("tilannekuva.catalogue").joinpath("notifications.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}


def parse_rules(raw: Mapping, overrides: Mapping | None = None) -> Rules:
    """Rules from the file's mapping, with `overrides` (the [notifications] settings) laid over it."""
    raw = _merge(dict(raw), dict(overrides or {}))
    kinds = raw.get("kinds") or {}
    if not isinstance(kinds, dict) or not kinds:
        raise RulesError("notifications: 'kinds' must name the kinds of change")
    needs, defaults = {}, {}
    for kind, spec in kinds.items():
        spec = spec or {}
        if spec.get("default") not in FREQUENCIES:
            raise RulesError(f"notifications: kinds.{kind}.default must be one of {', '.join(FREQUENCIES)}")
        queries = tuple(spec.get("needs") or ())
        if not queries:
            raise RulesError(f"notifications: kinds.{kind}.needs must name the queries it reads")
        for q in queries:
            load_query(q)  # QueryError for an unknown query
        needs[kind], defaults[kind] = queries, spec["default"]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise RulesError(f"notifications: unknown kinds {sorted(unknown)} (known: {', '.join(KINDS)})")
    status, moved = {}, {}
    for metric in metrics.METRICS:
        spec = (raw.get("metrics") or {}).get(metric) or {}
        status[metric] = bool(spec.get("status", True))
        value = spec.get("moved")
        if value is not None and (not isinstance(value, (int, float)) or value <= 0):
            raise RulesError(f"notifications: metrics.{metric}.moved must be a positive number or null")
        moved[metric] = float(value) if value is not None else None
    levels = tuple((raw.get("absence") or {}).get("thresholds") or ())
    if any(level not in LEVELS for level in levels):
        raise RulesError(f"notifications: absence.thresholds must be among {', '.join(LEVELS)}")
    schedule = raw.get("schedule") or {}
    hour, weekday = int(schedule.get("hour", 7)), int(schedule.get("weekday", 1))
    if not (0 <= hour <= 23 and 1 <= weekday <= 7):
        raise RulesError("notifications: schedule.hour must be 0–23 and schedule.weekday 1–7")
    return Rules(
        kinds=tuple(kinds),
        needs=needs,
        defaults=defaults,
        metric_status=status,
        metric_moved=moved,
        signal_new=bool((raw.get("signals") or {}).get("new", True)),
        signal_cleared=bool((raw.get("signals") or {}).get("cleared", True)),
        absence_levels=levels,
        hour=hour,
        weekday=weekday,
    )


def _merge(base: dict, over: dict) -> dict:
    for key, value in over.items():
        base[key] = _merge(dict(base.get(key) or {}), value) if isinstance(value, dict) else value
    return base


KINDS = ("signals", "absence", "followups", "metrics", "loads")


@functools.cache
def default_rules() -> Rules:
    return parse_rules(rules_file())


@functools.cache
def rules(overrides: str = "") -> Rules:
    """The rules of the file with the settings' [notifications] overrides (Settings.notifications, JSON)."""
    return parse_rules(rules_file(), json.loads(overrides)) if overrides else default_rules()


# --------------------------------------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class Snapshot:
    """What the user's pages show of the things worth telling, at one warehouse version.

    Keys of places: 'unit:<id>' (a principal's unit), 'group:<id>' (a teacher's group), 'city' (a sector
    lead's scorecard). `scope` names whose view it is (role, units, staff): a snapshot of another scope is
    not compared with (`changes`)."""

    version: str = ""
    scope: str = ""  # 'principal units=351,101' / 'teacher staff=16277' / 'sector_lead all'
    data_version: str = ""  # the newest load time of the sources it saw (ISO): which of two snapshots is newer
    data_as_of: str = ""  # the day the data end (ISO; the newest source's data-as-of, as the pages say it)
    pages: tuple[str, ...] = ()  # the pages the user may open, landing page first (where the links go)
    school_year_id: int | None = None
    kinds: tuple[str, ...] = ()  # the kinds this snapshot was taken of
    places: dict[str, str] = field(default_factory=dict)  # place -> its name (unit name; '' for groups, city)
    signals: dict[str, dict[int, list[str]]] = field(default_factory=dict)  # place -> pupil -> reasons
    absence: dict[str, dict[int, str]] = field(default_factory=dict)  # place -> pupil -> 'concern'|'serious'
    followups: dict[str, dict[int, str]] = field(default_factory=dict)  # place -> pupil -> when marked (ISO)
    metrics: dict[str, dict[str, list]] = field(default_factory=dict)  # place -> metric -> [light, value]
    loads: dict[str, list[str | None]] = field(default_factory=dict)  # source -> [data_as_of, loaded_at] (ISO)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> Snapshot | None:
        if not text:
            return None
        raw = json.loads(text)
        ints = {
            k: {p: {int(i): v for i, v in rows.items()} for p, rows in raw.get(k, {}).items()}
            for k in ("signals", "absence", "followups")
        }
        return cls(
            version=raw.get("version", ""),
            school_year_id=raw.get("school_year_id"),
            kinds=tuple(raw.get("kinds") or ()),
            scope=raw.get("scope", ""),
            data_version=raw.get("data_version", ""),
            data_as_of=raw.get("data_as_of", ""),
            pages=tuple(raw.get("pages") or ()),
            places=raw.get("places") or {},
            metrics=raw.get("metrics") or {},
            loads=raw.get("loads") or {},
            **ints,
        )


class Reader:
    """Reads as one principal through the warehouse (the one scoped access layer): `reader(query, **params)`
    returns the frame, each (query, params) fetched once for the reader's life (a snapshot reads the roster
    and the sources' dates in more than one place). Pages pass their cached loader instead; the digest a
    Reader per user and run."""

    def __init__(self, warehouse, principal: Principal):
        self.warehouse, self.principal = warehouse, principal
        self._read: dict[tuple, pl.DataFrame] = {}

    def __call__(self, query: str, **params) -> pl.DataFrame:
        key = (query, tuple(sorted(params.items())))
        if key not in self._read:
            self._read[key] = self.warehouse.fetch(self.principal, query, **params).frame
        return self._read[key]


def take(
    read,
    principal: Principal,
    kinds: Iterable[str],
    *,
    version: str,
    concern_hours: float,
    serious_hours: float,
    goal: Mapping[str, float],
    followups=None,
) -> Snapshot:
    """The snapshot of `kinds` as `principal` sees them: `read(query, **params)` is the principal's own
    reader (Reader, or the pages' cached loader), `followups` the follow-up marks store (FollowUps)."""
    kinds = tuple(kinds)
    snap: dict = {
        "version": version,
        "kinds": kinds,
        "places": {},
        "pages": tuple(principal.pages),
        "scope": scope_of(principal),
    }
    year = None
    if {"signals", "absence", "followups", "metrics"} & set(kinds):
        years = read("school_years")
        current = years.filter(pl.col("is_current"))["school_year_id"].to_list()
        year = (current or years["school_year_id"].sort(descending=True).to_list()[:1] or [None])[0]
    snap["school_year_id"] = year
    places = _places(read, principal, year) if year is not None else {}
    snap["places"] = {p: name for p, (_, name) in places.items()}
    if year is not None and {"signals", "absence", "followups"} & set(kinds) and principal.pupil_rows:
        found_signals, found_absence, found_marks = {}, {}, {}
        for unit_id, mine in _reads(places).items():
            scope = {"unit_id": unit_id, "school_year_id": year}
            roster = (
                read("pupil_roster", **scope)
                .select("group_id", "pupil_id")
                .with_columns(pl.col("pupil_id").cast(pl.Int64))
            )
            if "signals" in kinds or "followups" in kinds:
                listed = signals.signals_in_scope(read, scope, signals.Rules(concern_hours=concern_hours))
                for place, groups in mine.items():
                    here = listed if groups is None else listed.filter(pl.col("group_id").is_in(groups))
                    found_signals[place] = {
                        int(p): list(r) for p, r in zip(here["pupil_id"], here["reasons"], strict=True)
                    }
                    if "followups" in kinds and followups is not None:
                        marks = followups.current(year, here["pupil_id"].to_list())
                        found_marks[place] = {
                            int(p): str(at) for p, at in zip(marks["pupil_id"], marks["followed_at"], strict=True)
                        }
            if "absence" in kinds:
                hours = signals.term_hours(read("pupil_absence_by_month", **scope)).join(roster, on="pupil_id")
                for place, groups in mine.items():
                    here = hours if groups is None else hours.filter(pl.col("group_id").is_in(groups))
                    found_absence[place] = {
                        int(p): ("serious" if h >= serious_hours else "concern")
                        for p, h in zip(here["pupil_id"], here["term_hours"], strict=True)
                        if h is not None and h >= concern_hours
                    }
        snap |= {
            "signals": found_signals if "signals" in kinds else {},
            "absence": found_absence,
            "followups": found_marks,
        }
    if "metrics" in kinds and year is not None:
        snap["metrics"] = _metric_lights(read, principal, places, year, goal)
    fresh = read("data_freshness")
    snap["data_version"] = max((_iso(at) or "" for at in fresh["loaded_at"]), default="")
    snap["data_as_of"] = max((_iso(d) or "" for d in fresh["data_as_of"]), default="")
    if "loads" in kinds:
        snap["loads"] = {
            s: [_iso(a), _iso(at)] for s, a, at in fresh.select("source", "data_as_of", "loaded_at").rows()
        }
    return Snapshot(**snap)


def scope_of(principal: Principal) -> str:
    """Whose view a snapshot is: the role and its scope ('principal units=351,101', 'teacher staff=16277')."""
    if principal.scope == "units":
        return f"{principal.role} units={','.join(map(str, principal.unit_ids))}"
    if principal.scope == "groups":
        return f"{principal.role} staff={principal.staff_id}"
    return f"{principal.role} all"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _places(read, principal: Principal, year: int) -> dict[str, tuple[int | None, str]]:
    """place -> (unit_id to read it with, its name): a principal's units ('unit:<id>'), a teacher's groups
    ('group:<id>', each its own place: a group that comes or goes is not news of its pupils), the city."""
    if principal.scope == "units":
        units = read("units_in_scope")
        return {f"unit:{u}": (int(u), str(n)) for u, n in units.select("unit_id", "name").rows()}
    if principal.scope == "groups":
        roster = read("pupil_roster", unit_id=None, school_year_id=year)
        groups = roster.select("group_id", "group_name").unique().sort("group_name", "group_id")
        return {f"group:{g}": (None, str(n)) for g, n in groups.rows()}
    return {"city": (None, "")}


def _reads(places: dict[str, tuple[int | None, str]]) -> dict[int | None, dict[str, list[int] | None]]:
    """unit_id to read with -> {place: the group ids that are the place (None: all it reads)}."""
    found: dict[int | None, dict[str, list[int] | None]] = {}
    for place, (unit_id, _) in places.items():
        groups = [int(place.split(":", 1)[1])] if place.startswith("group:") else None
        found.setdefault(unit_id, {})[place] = groups
    return found


def _metric_lights(read, principal, places, year, goal) -> dict[str, dict[str, list]]:
    parts = read("metric_parts_by_unit_year")
    as_of = read("data_freshness")["data_as_of"].max()
    found = {}
    if principal.scope == "units":
        bench = read("metric_bench_by_sector_year")
        for place, (unit_id, _) in places.items():
            mine = parts.filter(pl.col("unit_id") == unit_id)
            if mine.is_empty():
                continue
            sector = mine["sector"][0]
            cards = metrics.unit_cards(metrics.beside_sector_and_city(mine, bench, sector), year, goal, as_of)
            found[place] = {m: [lt, v] for m, lt, v in cards.select("metric", "light", "value").rows()}
    else:
        cards = metrics.scorecard(parts, year, goal, as_of)
        found["city"] = {m: [lt, v] for m, lt, v in cards.select("metric", "light", "value").rows()}
    return found


# ----------------------------------------------------------------------------------------------- changes


@dataclass(frozen=True)
class Change:
    """One thing that changed. `count` and the aggregate fields may travel in a digest; `pupils` never
    leaves the app (the landing page lists them; Change.text only counts them)."""

    kind: str  # signals, absence, followups, metrics, loads
    what: str  # signals: new | cleared; absence: concern | serious; followups: marked;
    #            metrics: status | moved; loads: loaded
    place: str = ""  # 'unit:12', 'groups', 'city'
    place_name: str = ""  # the unit's name ('' for a teacher's groups and the city)
    count: int = 0  # pupils (signals, absence, followups)
    subject: str = ""  # the metric (M3) or the source (wilma_poissaolot)
    before: str | None = None  # metrics: light / value before; loads: data-as-of before
    after: str | None = None
    link: str = ""  # path and query of the exact filtered view: 'principal_support?yksikko=12&lukuvuosi=2026'
    pupils: tuple[int, ...] = ()

    def text(self, lang: str) -> str:
        """The change in words, without a name of a pupil: 'Koulu A: 3 uutta oppilasta tukisignaalilistalla.'"""
        values = {"count": self.count, "subject": self.subject}
        if self.kind == "metrics":
            values["subject"] = f"{self.subject} {t(f'metric.{self.subject}.name', lang)}"
            if self.what == "status":
                values |= {"before": t(f"light.{self.before}", lang), "after": t(f"light.{self.after}", lang)}
            else:
                values |= {
                    "before": metrics.value_text(self.subject, _float(self.before), lang),
                    "after": metrics.value_text(self.subject, _float(self.after), lang),
                }
        elif self.kind == "loads":
            values |= {
                "subject": _source_name(self.subject, lang),
                "after": fmt_date(dt.date.fromisoformat(self.after), lang) if self.after else "–",
            }
        sentence = t(f"whatsnew.{self.kind}.{self.what}", lang, **values)
        if not self.place_name:
            return sentence
        return t("whatsnew.at_place", lang, place=short(self.place_name), text=sentence)


PLACE_MAX = 80  # characters of a place's name in a change (a name is source data: it may be any length)


def short(name: str) -> str:
    """A unit's or group's name cut to PLACE_MAX characters ('…' at the end when cut)."""
    return name if len(name) <= PLACE_MAX else name[: PLACE_MAX - 1].rstrip() + "…"


def _float(text: str | None) -> float | None:
    return float(text) if text not in (None, "") else None


def _source_name(source: str, lang: str) -> str:
    """'Poissaolot (Wilma)': the source and the system it comes from, in `lang` (several sources share a system)."""
    from tilannekuva.explanations import system_name

    try:
        return f"{t(f'source.{source}', lang)} ({system_name(source, lang)})"
    except KeyError:  # a source this version no longer knows: its name as stored
        return source


def changes(before: Snapshot | None, after: Snapshot, rules: Rules, kinds: Iterable[str] | None = None) -> list[Change]:
    """What changed from `before` to `after` in `kinds` (default: the kinds of `after`), in the rules'
    order of kinds and then by place. No `before` (a first visit, a first digest), or one of another scope (the
    user's role, units or staff record changed since): nothing changed — the new scope is not news."""
    if before is None or before.scope != after.scope:
        return []
    chosen = [k for k in rules.kinds if k in set(kinds if kinds is not None else after.kinds)]
    if before.school_year_id != after.school_year_id:  # a new school year: its lists start from nothing
        nothing = {p: {} for p in after.places}
        before = replace(before, signals=nothing, absence=nothing, followups=nothing)
    found: list[Change] = []
    for kind in chosen:
        if kind == "signals":
            found += _pupil_changes(before.signals, after.signals, after, "signals", rules)
        elif kind == "absence":
            found += _absence_changes(before.absence, after.absence, after, rules)
        elif kind == "followups":
            found += _mark_changes(before.followups, after.followups, after)
        elif kind == "metrics":
            found += _metric_changes(before.metrics, after.metrics, after, rules)
        elif kind == "loads":
            found += _load_changes(before.loads, after.loads, after.pages)
    return found


# Where each kind of change is looked at: the first of these pages the user may open (the landing page,
# the first of their pages, is served at the root path).
PAGES = {
    "signals": ("principal_support", "teacher_watch"),
    "absence": ("principal_support", "teacher_watch"),
    "followups": ("principal_support",),
    "metrics": ("principal_unit", "sector_metric"),
    "loads": ("admin_loads", "metric_catalogue"),
}


def link(kind: str, place: str, year: int | None, pages: tuple[str, ...], subject: str = "") -> str:
    """The exact filtered view of a change: its page and query parameters ('' path = the landing page)."""
    page = next((p for p in PAGES[kind] if p in pages), pages[0] if pages else "")
    params: dict[str, object] = {}
    if place.startswith("unit:"):
        params["yksikko"] = place.split(":", 1)[1]
    if kind == "metrics":
        params["mittari"] = subject
    if year is not None and kind != "loads":
        params["lukuvuosi"] = year
    query = urlencode(params)
    return ("" if pages and page == pages[0] else page) + (f"?{query}" if query else "")


def _pupil_changes(before, after, snap: Snapshot, kind: str, rules: Rules) -> list[Change]:
    found = []
    for place in sorted(after):
        old, new = set(before.get(place, {})), set(after[place])
        name, where = snap.places.get(place, ""), link(kind, place, snap.school_year_id, snap.pages)
        if place not in before:
            continue  # a unit newly in scope: no earlier state to compare with
        for what, pupils, wanted in (
            ("new", new - old, rules.signal_new),
            ("cleared", old - new, rules.signal_cleared),
        ):
            if pupils and wanted:
                found.append(Change(kind, what, place, name, len(pupils), link=where, pupils=tuple(sorted(pupils))))
    return found


def _absence_changes(before, after, snap: Snapshot, rules: Rules) -> list[Change]:
    found = []
    for place in sorted(after):
        if place not in before:
            continue
        old, new = before[place], after[place]
        for level in rules.absence_levels:
            rank = LEVELS.index(level)
            crossed = {
                p for p, lv in new.items() if LEVELS.index(lv) >= rank and (p not in old or LEVELS.index(old[p]) < rank)
            }
            if crossed:
                found.append(
                    Change(
                        "absence",
                        level,
                        place,
                        snap.places.get(place, ""),
                        len(crossed),
                        link=link("absence", place, snap.school_year_id, snap.pages),
                        pupils=tuple(sorted(crossed)),
                    )
                )
    return found


def _mark_changes(before, after, snap: Snapshot) -> list[Change]:
    found = []
    for place in sorted(after):
        if place not in before:
            continue
        marked = {p for p, at in after[place].items() if before[place].get(p) != at}
        if marked:
            found.append(
                Change(
                    "followups",
                    "marked",
                    place,
                    snap.places.get(place, ""),
                    len(marked),
                    link=link("followups", place, snap.school_year_id, snap.pages),
                    pupils=tuple(sorted(marked)),
                )
            )
    return found


def _metric_changes(before, after, snap: Snapshot, rules: Rules) -> list[Change]:
    found = []
    for place in sorted(after):
        for metric in metrics.METRICS:
            if metric not in after[place] or metric not in before.get(place, {}):
                continue
            (old_light, old_value), (new_light, new_value) = before[place][metric], after[place][metric]
            where = link("metrics", place, snap.school_year_id, snap.pages, metric)
            name = snap.places.get(place, "")
            # a verdict that changed — also the first verdict after 'pending' (an unfinished cumulative year)
            if (
                rules.metric_status[metric]
                and old_light != new_light
                and old_light in (*LIGHTS, "pending")
                and new_light in LIGHTS
            ):
                found.append(
                    Change(
                        "metrics", "status", place, name, subject=metric, before=old_light, after=new_light, link=where
                    )
                )
            elif (
                (step := rules.metric_moved[metric]) is not None
                and old_value is not None
                and new_value is not None
                and abs(new_value - old_value) >= step - 1e-12
            ):
                found.append(
                    Change(
                        "metrics",
                        "moved",
                        place,
                        name,
                        subject=metric,
                        before=str(old_value),
                        after=str(new_value),
                        link=where,
                    )
                )
    return found


def _load_changes(before, after, pages) -> list[Change]:
    return [
        Change(
            "loads",
            "loaded",
            subject=source,
            before=(before.get(source) or [None])[0],
            after=as_of,
            link=link("loads", "", None, pages, source),
        )
        for source, (as_of, loaded_at) in sorted(after.items())
        if (before.get(source) or [None, None])[1] != loaded_at
    ]


def advance(before: Snapshot | None, after: Snapshot, told: Iterable[Change], kinds: Iterable[str]) -> Snapshot:
    """The baseline after telling `told` of `kinds`: `after`, except that what was not told stays as it was —
    the kinds of other frequencies (switching a kind to another frequency loses nothing in between), and a
    metric whose value moved less than its rule or whose light went to 'pending' or 'none' (so small moves
    add up until they are worth telling, and red → pending → green is told as red → green)."""
    if before is None or before.scope != after.scope:
        return after
    kinds = set(kinds)
    told_metrics = {(c.place, c.subject) for c in told if c.kind == "metrics"}
    metrics_now = {}
    for place, values in after.metrics.items():
        old = before.metrics.get(place, {})
        metrics_now[place] = {
            m: v if (place, m) in told_metrics or m not in old or "metrics" not in kinds else old[m]
            for m, v in values.items()
        }
    keep = {k: getattr(before, k) for k in ("signals", "absence", "followups", "loads") if k not in kinds}
    if before.school_year_id != after.school_year_id:
        keep = {}
    return replace(after, metrics=metrics_now if "metrics" in kinds else before.metrics, **keep)


def without_pupils(found: Iterable[Change]) -> list[Change]:
    """The changes as they may leave the app: counts, no pupil ids."""
    return [replace(c, pupils=()) for c in found]
