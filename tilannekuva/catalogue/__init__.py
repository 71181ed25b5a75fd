"""The metric catalogue: M1–M6 and S1–S4 as data (tilannekuva/catalogue/metrics.yaml), validated on load.

One place says what each figure is: kind and scale, numerator and denominator, target and tolerance,
the source contracts and tables it reads, its owner, the city's guidance on acting on it, and its
name, definition, inclusions, exclusions, caveats and the reason for its target in Finnish, Swedish
and English. `tilannekuva.metrics` takes the targets and kinds from here, `tilannekuva.periods` the
cumulative and spring-survey metrics, `tilannekuva.i18n` the texts (`metric.<id>.name`, `.definition`,
`.unit`, `.events`), the pages their explanations, and `tilannekuva metrics` prints it.

A catalogue that does not validate raises CatalogueError naming the metric and the field, so a
broken entry stops the app at start rather than showing a figure without its explanation.
"""

from __future__ import annotations

import functools
import string
from dataclasses import dataclass
from importlib import resources

import yaml

LANGUAGES = ("fi", "sv", "en")
KINDS = ("share", "mean", "count")
SCALES = ("percent", "score_1_5", "grade_4_10", "pupils")
TEXT_FIELDS = (
    "name",
    "definition",
    "numerator",
    "denominator",
    "includes",
    "excludes",
    "caveats",
    "target_why",
    "unit",
    "events",
)
# The texts the translation layer serves as `metric.<id>.<field>` (read all over the pages).
CATALOG_FIELDS = ("name", "definition", "unit", "events")
PLACEHOLDERS = frozenset({"concern", "serious", "threshold"})
MATERIALISED = "agg_metric_parts"  # `parts` of a metric whose additive parts are built at load time
FIELDS = (
    "kind",
    "scale",
    "cumulative",
    "spring_survey",
    "target",
    "tolerance",
    "first_year",
    "parts",
    "sources",
    "tables",
    "owner",
    "guidance",
    "text",
)


class CatalogueError(ValueError):
    """The catalogue is not valid; the message names the metric and the field."""


@dataclass(frozen=True)
class Texts:
    name: str
    definition: str
    numerator: str
    denominator: str
    includes: str
    excludes: str
    caveats: tuple[str, ...]
    target_why: str
    unit: str
    events: str


@dataclass(frozen=True)
class Metric:
    id: str
    kind: str
    scale: str
    cumulative: bool
    spring_survey: bool
    target: float | None
    tolerance: float | None
    first_year: int | None
    parts: str
    sources: tuple[str, ...]
    tables: tuple[str, ...]
    owner: str
    guidance: str
    guidance_section: dict[str, str]
    text: dict[str, Texts]

    @property
    def materialised(self) -> bool:
        """Its additive parts are built at load time into agg_metric_parts (parts/<id>.sql)."""
        return self.parts == MATERIALISED

    def texts(self, lang: str) -> Texts:
        return self.text[lang]


@dataclass(frozen=True)
class Catalogue:
    metrics: dict[str, Metric]
    owners: dict[str, dict[str, str]]  # id -> {lang: name}
    guidance: dict[str, dict[str, str]]  # id -> {lang: document name}
    guidance_urls: dict[str, str]  # id -> the document's address (settings' [guidance] may override)

    def guidance_url(self, doc: str, overrides=None) -> str:
        """The address of guidance document `doc`: the settings' (`overrides`, Settings.guidance) over the
        catalogue's."""
        return dict(overrides or {}).get(doc, self.guidance_urls[doc])

    def __getitem__(self, metric_id: str) -> Metric:
        return self.metrics[metric_id]

    def __iter__(self):
        return iter(self.metrics.values())

    def ids(self) -> tuple[str, ...]:
        return tuple(self.metrics)

    def reading(self, source: str) -> tuple[str, ...]:
        """The metrics that read the source contract `source`."""
        return tuple(m.id for m in self if source in m.sources)


_UNSAFE_IN_URL = frozenset(" \t\r\n\"'`<>()[]{}\\|^")


def safe_url(url) -> bool:
    """Is `url` one plain https:// address that can be written into a Markdown link or a button as it is:
    a host, and no whitespace, control character, quote, bracket or angle bracket that could end the link
    and start markup (`https://x/a) [y](javascript:…`)?"""
    from urllib.parse import urlsplit

    if not isinstance(url, str) or len(url) > 2000 or any(c in _UNSAFE_IN_URL or ord(c) < 32 for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname) and url.startswith("https://")


def _need(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise CatalogueError(f"metric catalogue, {where}: {message}")


def _languages(value, where: str) -> dict[str, str]:
    _need(isinstance(value, dict), where, "must give the text in fi, sv and en")
    missing = [lang for lang in LANGUAGES if not isinstance(value.get(lang), str) or not value[lang].strip()]
    _need(not missing, where, f"missing or empty in {', '.join(missing)}")
    extra = set(value) - set(LANGUAGES)
    _need(not extra, where, f"unknown language {', '.join(sorted(extra))}")
    return {lang: value[lang].strip() for lang in LANGUAGES}


def _placeholders(text: str, where: str) -> None:
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    _need(names <= PLACEHOLDERS, where, f"unknown placeholder {', '.join(sorted(names - PLACEHOLDERS))}")


def _texts(value, metric_id: str) -> dict[str, Texts]:
    _need(isinstance(value, dict), f"{metric_id}.text", "must have fi, sv and en")
    _need(set(value) == set(LANGUAGES), f"{metric_id}.text", f"must have exactly {', '.join(LANGUAGES)}")
    out = {}
    for lang in LANGUAGES:
        fields = value[lang]
        where = f"{metric_id}.text.{lang}"
        _need(isinstance(fields, dict), where, "must be a mapping of the text fields")
        missing = [f for f in TEXT_FIELDS if f not in fields]
        _need(not missing, where, f"missing {', '.join(missing)}")
        extra = set(fields) - set(TEXT_FIELDS)
        _need(not extra, where, f"unknown field {', '.join(sorted(extra))}")
        caveats = fields["caveats"]
        _need(
            isinstance(caveats, list) and caveats and all(isinstance(c, str) and c.strip() for c in caveats),
            f"{where}.caveats",
            "must be a list of at least one text",
        )
        for name in TEXT_FIELDS:
            if name != "caveats":
                _need(isinstance(fields[name], str) and fields[name].strip(), f"{where}.{name}", "missing or empty")
        for name in TEXT_FIELDS:
            for text in caveats if name == "caveats" else [fields[name]]:
                _placeholders(text, f"{where}.{name}")
        out[lang] = Texts(
            **{name: fields[name].strip() for name in TEXT_FIELDS if name != "caveats"},
            caveats=tuple(c.strip() for c in caveats),
        )
    counts = {lang: len(out[lang].caveats) for lang in LANGUAGES}
    _need(len(set(counts.values())) == 1, f"{metric_id}.text", f"caveats differ in number between languages {counts}")
    return out


def _metric(metric_id: str, raw, owners: dict, guidance: dict, sources: frozenset[str] | None) -> Metric:
    _need(isinstance(raw, dict), metric_id, "must be a mapping")
    missing = [f for f in FIELDS if f not in raw]
    _need(not missing, metric_id, f"missing {', '.join(missing)}")
    extra = set(raw) - set(FIELDS)
    _need(not extra, metric_id, f"unknown field {', '.join(sorted(extra))}")
    _need(raw["kind"] in KINDS, f"{metric_id}.kind", f"{raw['kind']!r} is not one of {', '.join(KINDS)}")
    _need(raw["scale"] in SCALES, f"{metric_id}.scale", f"{raw['scale']!r} is not one of {', '.join(SCALES)}")
    for flag in ("cumulative", "spring_survey"):
        _need(isinstance(raw[flag], bool), f"{metric_id}.{flag}", "must be true or false")
    target, tolerance = raw["target"], raw["tolerance"]
    _need((target is None) == (tolerance is None), f"{metric_id}.target", "target and tolerance come together or not")
    if target is not None:
        _need(
            all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in (target, tolerance)),
            f"{metric_id}.target",
            "target and tolerance must be non-negative numbers",
        )
        if raw["kind"] == "share":
            _need(0 < target <= 1, f"{metric_id}.target", "a share's target is between 0 and 1")
    _need(raw["first_year"] is None or isinstance(raw["first_year"], int), f"{metric_id}.first_year", "a year or null")
    _need(isinstance(raw["parts"], str) and raw["parts"], f"{metric_id}.parts", "missing")
    for field in ("sources", "tables"):
        value = raw[field]
        _need(
            isinstance(value, list) and value and all(isinstance(v, str) for v in value),
            f"{metric_id}.{field}",
            "must be a list of names",
        )
    if sources is not None:
        unknown = [s for s in raw["sources"] if s not in sources]
        _need(not unknown, f"{metric_id}.sources", f"no source contract named {', '.join(unknown)}")
    _need(raw["owner"] in owners, f"{metric_id}.owner", f"{raw['owner']!r} is not one of the owners")
    link = raw["guidance"]
    _need(isinstance(link, dict) and set(link) == {"doc", "section"}, f"{metric_id}.guidance", "needs doc and section")
    _need(link["doc"] in guidance, f"{metric_id}.guidance.doc", f"{link['doc']!r} is not a guidance document")
    return Metric(
        id=metric_id,
        kind=raw["kind"],
        scale=raw["scale"],
        cumulative=raw["cumulative"],
        spring_survey=raw["spring_survey"],
        target=None if target is None else float(target),
        tolerance=None if tolerance is None else float(tolerance),
        first_year=raw["first_year"],
        parts=raw["parts"],
        sources=tuple(raw["sources"]),
        tables=tuple(raw["tables"]),
        owner=raw["owner"],
        guidance=link["doc"],
        guidance_section=_languages(link["section"], f"{metric_id}.guidance.section"),
        text=_texts(raw["text"], metric_id),
    )


def parse(text: str, sources: frozenset[str] | None = None) -> Catalogue:
    """A catalogue from YAML text, validated; `sources`: the known source contracts (None: not checked)."""
    raw = yaml.safe_load(text)
    _need(
        isinstance(raw, dict) and set(raw) == {"owners", "guidance", "metrics"},
        "top level",
        "needs owners, guidance and metrics",
    )
    owners = {k: _languages(v, f"owners.{k}") for k, v in (raw["owners"] or {}).items()}
    guidance, urls = {}, {}
    for k, v in (raw["guidance"] or {}).items():
        url = v.pop("url", None) if isinstance(v, dict) else None
        _need(safe_url(url), f"guidance.{k}.url", "needs one plain https:// address")
        guidance[k], urls[k] = _languages(v, f"guidance.{k}"), url
    metrics = raw["metrics"]
    _need(isinstance(metrics, dict) and metrics, "metrics", "no metrics")
    for metric_id in metrics:
        _need(
            isinstance(metric_id, str) and metric_id[:1] in "MS" and metric_id[1:].isdigit(),
            str(metric_id),
            "a metric id is M or S and a number (M7, S5)",
        )
    return Catalogue(
        metrics={k: _metric(k, v, owners, guidance, sources) for k, v in metrics.items()},
        owners=owners,
        guidance=guidance,
        guidance_urls=urls,
    )


def source_text() -> str:
    return resources.files("tilannekuva.catalogue").joinpath("metrics.yaml").read_text(encoding="utf-8")


@functools.cache
def catalogue() -> Catalogue:
    """The app's catalogue (cached), checked against the source contracts."""
    from tilannekuva.ingest.contracts import CONTRACTS

    return parse(source_text(), frozenset(CONTRACTS))


def texts(lang: str) -> dict[str, str]:
    """The catalogue's texts the translation layer serves: {'metric.M1.name': …} in `lang`."""
    return {
        f"metric.{m.id}.{field}": getattr(m.texts(lang), field)
        for m in catalogue_without_contracts()
        for field in CATALOG_FIELDS
    }


@functools.cache
def catalogue_without_contracts() -> Catalogue:
    """The catalogue validated without the source contracts (for the translation layer, which the
    contracts' module itself may import: no import cycle)."""
    return parse(source_text())
