"""The metric catalogue written out: what `tilannekuva metrics` prints (text, JSON, Markdown), the generated
part of docs/DATA_MODEL.md, and the definition and source lines of an export's header block.

Everything starts from `entries(...)`: one plain dict per metric (the JSON object, see `to_json` for its
keys) with the texts in one language, the settings' placeholders filled ({concern} {serious} {threshold}),
the targets as configured, and — when the served warehouse's `meta_source` rows were judged
(`tilannekuva.freshness.assess`) — each source's data-as-of date and whether it is stale on that day.
Without them (`assessed=None`) the data-as-of fields are null and the status is "unknown".
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping

import polars as pl

from tilannekuva.catalogue import TEXT_FIELDS, Catalogue, Metric
from tilannekuva.i18n import fmt_date, fmt_number, fmt_percent, t

# The settings the catalogue's texts name, with the defaults the generated docs are written with.
PLACEHOLDER_SETTINGS = {
    "concern": "absence_concern_hours",
    "serious": "absence_serious_hours",
    "threshold": "suppression_threshold",
}
DOC_VALUES = {"concern": 60.0, "serious": 100.0, "threshold": 5}
SCHOOL_YEAR_DASH = "\u2013"


def values_of(settings) -> dict[str, float]:
    """{concern, serious, threshold} from a Settings (what the catalogue's placeholders name)."""
    return {name: getattr(settings, field) for name, field in PLACEHOLDER_SETTINGS.items()}


def fill(text: str, values: Mapping[str, float], lang: str) -> str:
    """A catalogue text with its placeholders filled: hours and counts as the reader writes numbers."""
    numbers = {k: fmt_number(v, lang, 0 if float(v).is_integer() else 1) for k, v in values.items()}
    return text.format_map(numbers) if "{" in text else text


def _value(metric: Metric, value: float, lang: str, tolerance: bool = False) -> str:
    """A target (or its tolerance band) as the pages show it: 70 %, 15 points, 4,0."""
    if metric.kind == "share":
        if tolerance:
            return t("metrics.points", lang, points=fmt_number(value * 100, lang))
        return fmt_percent(value, lang)
    return fmt_number(value, lang, 1)


def _school_year(year: int | None) -> str | None:
    return None if year is None else f"{year}{SCHOOL_YEAR_DASH}{year + 1}"


def _sources(metric: Metric, assessed: pl.DataFrame | None, lang: str) -> list[dict]:
    from tilannekuva.ingest.contracts import CONTRACTS

    judged = {} if assessed is None else {r["source"]: r for r in assessed.iter_rows(named=True)}
    out = []
    for name in metric.sources:
        contract = CONTRACTS[name]
        row = judged.get(name, {})
        if contract.freshness is None:
            status = "no_date"
        elif assessed is None:
            status = "unknown"
        elif row.get("data_as_of") is None:
            status = "missing"
        else:
            status = "stale" if row["is_stale"] else "fresh"
        out.append(
            {
                "source": name,
                "system": t(contract.system_key, lang),  # the system's name in the reader's language
                "table": contract.table,
                "rhythm": contract.freshness.rhythm if contract.freshness else None,
                "stale_after_days": contract.freshness.stale_after_days if contract.freshness else None,
                "data_as_of": row.get("data_as_of"),
                "stale_since": row.get("stale_since"),
                "status": status,
            }
        )
    return out


def entries(
    catalogue: Catalogue,
    lang: str,
    *,
    values: Mapping[str, float] = DOC_VALUES,
    targets: Mapping[str, float] | None = None,
    guidance: Iterable[tuple[str, str]] = (),
    assessed: pl.DataFrame | None = None,
) -> list[dict]:
    """One dict per metric, in catalogue order (see `to_json` for the keys). `targets`: the configured
    targets (metrics.targets(settings.targets)) over the catalogue's; `guidance`: Settings.guidance."""
    out = []
    for m in catalogue:
        texts = m.texts(lang)
        text = {
            name: fill(getattr(texts, name), values, lang)
            for name in TEXT_FIELDS
            if name != "caveats"  # a list, filled one by one below
        }
        sources = _sources(m, assessed, lang)
        target = (targets or {}).get(m.id, m.target)
        out.append(
            {
                "id": m.id,
                **{k: text[k] for k in ("name", "definition", "numerator", "denominator", "includes", "excludes")},
                "caveats": [fill(c, values, lang) for c in texts.caveats],
                "kind": m.kind,
                "scale": m.scale,
                "unit": text["unit"],
                "events": text["events"],
                "target": target,
                "tolerance": m.tolerance,
                "target_why": text["target_why"],
                "first_year": m.first_year,
                "cumulative": m.cumulative,
                "spring_survey": m.spring_survey,
                "parts": m.parts,
                "sources": sources,
                "tables": list(m.tables),
                "owner": {"id": m.owner, "name": catalogue.owners[m.owner][lang]},
                "guidance": {
                    "doc": m.guidance,
                    "name": catalogue.guidance[m.guidance][lang],
                    "section": m.guidance_section[lang],
                    "url": catalogue.guidance_url(m.guidance, guidance),
                },
                "stale": None if assessed is None else any(s["status"] == "stale" for s in sources),
            }
        )
    return out


def _iso(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def to_json(items: list[dict], lang: str, today: dt.date, warehouse: str | None) -> str:
    """One JSON object: `lang`, `today` (the day freshness is judged on, ISO), `warehouse` (the served
    file's name, null without one), `stale_metrics` (ids of the metrics reading a stale source; null
    without a warehouse) and `metrics`, a list of objects with the keys id, name, definition, numerator,
    denominator, includes, excludes, caveats (list), kind (share|mean|count), scale
    (percent|score_1_5|grade_4_10|pupils), unit, events, target and tolerance (numbers: a share 0..1; null:
    no target), target_why, first_year (the school year it starts in, or null), cumulative, spring_survey,
    parts, sources (list of {source, system, table, rhythm, stale_after_days, data_as_of, stale_since
    (ISO dates or null), status: fresh|stale|missing|no_date|unknown}), tables, owner {id, name}, guidance
    {doc, name, section, url} and stale (true|false; null without a warehouse)."""

    def dates(obj):
        if isinstance(obj, dict):
            return {k: dates(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [dates(v) for v in obj]
        return _iso(obj)

    document = {
        "lang": lang,
        "today": today.isoformat(),
        "warehouse": warehouse,
        "stale_metrics": None if warehouse is None else [m["id"] for m in items if m["stale"]],
        "metrics": dates(items),
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def source_line(source: dict, lang: str) -> str:
    """'Poissaolot (Wilma): tiedot 20.11.2026 asti · päivittyy viikoittain' (or: no date, not loaded)."""
    name = t(f"source.{source['source']}", lang)
    if source["status"] == "no_date":
        return t("explain.source_no_date", lang, source=name, system=source["system"])
    if source["status"] in ("missing", "unknown") and source["data_as_of"] is None:
        if source["status"] == "missing":
            return t("explain.source_missing", lang, source=name, system=source["system"])
        return t(
            "metrics.source_unknown",
            lang,
            source=name,
            system=source["system"],
            rhythm=t(f"rhythm.{source['rhythm']}", lang),
            days=source["stale_after_days"],
        )
    return t(
        "explain.source_line",
        lang,
        source=name,
        system=source["system"],
        date=fmt_date(source["data_as_of"], lang),
        rhythm=t(f"rhythm.{source['rhythm']}", lang),
    )


def stale_line(source: dict, lang: str) -> str:
    """'Vanhentunut 1.12.2026 alkaen: Poissaolot – tiedot 20.11.2026 asti, pitäisi päivittyä viikoittain.'"""
    return t(
        "freshness.stale",
        lang,
        since=fmt_date(source["stale_since"], lang),
        source=t(f"source.{source['source']}", lang),
        date=fmt_date(source["data_as_of"], lang),
        rhythm=t(f"rhythm.{source['rhythm']}", lang),
    )


def _status(source: dict, lang: str) -> str:
    if source["status"] == "stale":
        return t("metrics.stale_since", lang, since=fmt_date(source["stale_since"], lang))
    if source["status"] in ("fresh", "missing"):
        return t(f"freshness.{source['status']}", lang)
    return ""


def _target(item: dict, metric: Metric, lang: str) -> str:
    if item["target"] is None:
        return t("explain.no_target", lang)
    return t(
        "explain.target_value",
        lang,
        target=_value(metric, item["target"], lang),
        tolerance=_value(metric, item["tolerance"], lang, tolerance=True),
    )


def _facts(item: dict, lang: str) -> str:
    """'Osuus · prosentti · kertyvä lukuvuoden mittaan'."""
    facts = [t(f"explain.kind.{item['kind']}", lang), t(f"metrics.scale.{item['scale']}", lang)]
    if item["cumulative"]:
        facts.append(t("metrics.cumulative", lang))
    if item["spring_survey"]:
        facts.append(t("metrics.spring_survey", lang))
    return " · ".join(facts)


def _source_details(source: dict, lang: str) -> str:
    line = source_line(source, lang)
    if source["stale_after_days"] is not None and source["status"] != "unknown":
        line += " · " + t("metrics.threshold", lang, days=source["stale_after_days"])
    status = _status(source, lang)
    return f"{line} · {status}" if status else line


def to_text(items: list[dict], catalogue: Catalogue, lang: str, today: dt.date, warehouse: str | None) -> str:
    """The catalogue for a terminal: a heading line (the served file and the day freshness is judged on,
    or that there is no warehouse), the metrics reading a stale source, then every field of every metric."""
    lines = [t("metrics.heading", lang)]
    if warehouse is None:
        lines.append(t("metrics.no_warehouse", lang))
    else:
        lines.append(t("metrics.judged", lang, warehouse=warehouse, today=fmt_date(today, lang)))
        stale = [m["id"] for m in items if m["stale"]]
        lines.append(
            t("metrics.stale_metrics", lang, metrics=", ".join(stale)) if stale else t("metrics.none_stale", lang)
        )
    for item in items:
        metric = catalogue[item["id"]]
        mark = f"  [{t('metrics.stale_mark', lang)}]" if item["stale"] else ""
        lines += ["", f"{item['id']}  {item['name']}{mark}", f"  {_facts(item, lang)}"]
        for field in ("definition", "numerator", "denominator", "includes", "excludes"):
            lines.append(f"  {t('explain.' + field, lang)}: {item[field]}")
        lines.append(f"  {t('explain.caveats', lang)}:")
        lines += [f"    - {c}" for c in item["caveats"]]
        lines.append(f"  {t('explain.target', lang)}: {_target(item, metric, lang)}")
        lines.append(f"  {t('metrics.target_why', lang)}: {item['target_why']}")
        if item["first_year"] is not None:
            lines.append("  " + t("explain.first_year", lang, year=_school_year(item["first_year"])))
        lines.append(f"  {t('metrics.unit', lang)}: {item['unit']} · {t('metrics.events', lang)}: {item['events']}")
        lines.append(f"  {t('explain.sources', lang)}:")
        lines += [f"    - {s['source']}: {_source_details(s, lang)}" for s in item["sources"]]
        lines.append(f"  {t('metrics.parts', lang)}: {item['parts']}")
        lines.append(f"  {t('metrics.tables', lang)}: {', '.join(item['tables'])}")
        lines.append(f"  {t('explain.owner', lang)}: {item['owner']['name']}")
        guide = item["guidance"]
        lines.append(f"  {t('explain.guidance', lang)}: {guide['name']} – {guide['section']} <{guide['url']}>")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text in a Markdown table cell: no pipe or line break ends the cell early."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(items: list[dict], catalogue: Catalogue, lang: str, heading_level: int = 3) -> str:
    """The catalogue as Markdown: an overview table, then a section per metric with every field (the data-
    model document's generated part is this in English, without a warehouse)."""
    h = "#" * heading_level
    cols = ("id", "name", "kind", "value", "target", "sources", "owner")
    lines = ["| " + " | ".join(t(f"metrics.md.{c}", lang) for c in cols) + " |", "|" + "---|" * len(cols)]
    for item in items:
        metric = catalogue[item["id"]]
        target = "–" if item["target"] is None else _value(metric, item["target"], lang)
        lines.append(
            "| "
            + " | ".join(
                _cell(v)
                for v in (
                    f"[{item['id']}](#{item['id'].lower()})",
                    item["name"],
                    _facts(item, lang),
                    f"{item['numerator']} / {item['denominator']}",
                    target,
                    ", ".join(f"`{s['source']}`" for s in item["sources"]),
                    item["owner"]["name"],
                )
            )
            + " |"
        )
    for item in items:
        metric = catalogue[item["id"]]
        mark = f" ({t('metrics.stale_mark', lang)})" if item["stale"] else ""
        lines += [
            "",
            f'{h} <a id="{item["id"].lower()}"></a>{item["id"]} {item["name"]}{mark}',
            "",
            item["definition"],
            "",
            f"*{_facts(item, lang)}*",
            "",
        ]
        for field in ("numerator", "denominator", "includes", "excludes"):
            lines.append(f"- **{t('explain.' + field, lang)}:** {item[field]}")
        lines.append(f"- **{t('explain.caveats', lang)}:**")
        lines += [f"  - {c}" for c in item["caveats"]]
        lines.append(f"- **{t('explain.target', lang)}:** {_target(item, metric, lang)} {item['target_why']}")
        if item["first_year"] is not None:
            lines.append("- " + t("explain.first_year", lang, year=_school_year(item["first_year"])))
        lines.append(
            f"- **{t('metrics.unit', lang)}:** {item['unit']}; **{t('metrics.events', lang)}:** {item['events']}"
        )
        lines.append(f"- **{t('explain.sources', lang)}:**")
        lines += [f"  - `{s['source']}`: {_source_details(s, lang)}" for s in item["sources"]]
        lines.append(
            f"- **{t('metrics.parts', lang)}:** `{item['parts']}`; **{t('metrics.tables', lang)}:** "
            + ", ".join(f"`{x}`" for x in item["tables"])
        )
        lines.append(f"- **{t('explain.owner', lang)}:** {item['owner']['name']}")
        guide = item["guidance"]
        lines.append(f"- **{t('explain.guidance', lang)}:** [{guide['name']} – {guide['section']}]({guide['url']})")
    return "\n".join(lines) + "\n"


def export_lines(items: list[dict], lang: str) -> list[str]:
    """The lines an export of these metrics' figures carries in its header block: per metric its
    definition, each source's data-as-of date (one line each) and a line per stale source."""
    lines = []
    for item in items:
        lines.append(f"{item['id']} {item['name']} – {t('explain.definition', lang)}: {item['definition']}")
        lines += [f"{item['id']} {t('explain.sources', lang)}: {source_line(s, lang)}" for s in item["sources"]]
        lines += [f"{item['id']} {stale_line(s, lang)}" for s in item["sources"] if s["status"] == "stale"]
    return lines
