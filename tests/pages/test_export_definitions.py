"""Issue 19: every figure's CSV and Excel export of a metric carries, in its header block, the metric's
definition and the data-as-of date of each source it reads, a stale source marked "stale since …"; the CSV
has the same block as the .xlsx, then an empty line, then the table (read back with polars'
read_csv(skip_rows=…) and openpyxl)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import OfferedDownloads, csv_parts, xlsx_parts
from tests.helpers import app_env, open_as, warehouse_with_as_of
from tilannekuva.catalogue import catalogue
from tilannekuva.i18n import fmt_date, t

CAT = catalogue()


def _files(monkeypatch, user: str, page: str, **params) -> dict[str, bytes]:
    offered = OfferedDownloads(monkeypatch)
    at = open_as(user, page, **params)
    assert not at.exception, at.exception
    return dict(offered.produced())


def _pair(files: dict[str, bytes], prefix: str) -> tuple[bytes, bytes]:
    csv = next(d for n, d in files.items() if n.startswith(prefix) and n.endswith(".csv"))
    return csv, files[next(n for n in files if n.startswith(prefix) and n.endswith(".csv"))[:-4] + ".xlsx"]


def _definition(metric: str, lang: str = "fi") -> str:
    return f"{metric} {CAT[metric].texts(lang).name} – {t('explain.definition', lang)}: "


# (user, page, URL parameters, file name start, the metrics its header block defines, in order)
CASES = [
    ("johto", "sector_scorecard", {}, "strategiamittarit-", ("M1", "M2", "M3", "M4", "M5", "M6")),
    ("johto", "sector_metric", {"mittari": "M3"}, "m3-kehitys", ("M3",)),
    ("johto", "sector_metric", {"mittari": "M2"}, "m2-aiheittain", ("M2",)),
    ("johto", "sector_units", {"mittari": "M4"}, "yksikot-m4-", ("M4",)),
    ("johto", "sector_support", {}, "tuki-kehitys", ("S2",)),
    ("johto", "sector_support", {}, "poissaolot-alueittain-", ("S1",)),
    ("rehtori", "principal_unit", {}, "yksikko-113-mittarit-", ("M1", "M2", "M3", "M4", "M5", "M6")),
    ("rehtori", "principal_unit", {}, "yksikko-113-m1", ("M1",)),
    ("rehtori", "principal_staff", {}, "henkiloston-palvelut-", ("M3",)),
    ("rehtori", "principal_staff", {}, "koulutuspalaute-", ("M2",)),
    ("rehtori", "principal_eservices", {}, "sahkoiset-palvelut", ("M3",)),
    ("rehtori", "principal_support", {}, "arviointi-", ("S3",)),
    ("rehtori", "principal_support", {}, "poissaolot-ryhmittain-", ("S1",)),
    ("rehtori", "principal_support", {}, "tukisignaalit-", ("S4",)),
    ("opettaja", "teacher_watch", {}, "seurantalista-", ("S4",)),
]


@pytest.mark.parametrize(("user", "page", "params", "prefix", "metrics"), CASES)
def test_an_export_of_a_metric_carries_its_definition_and_sources_dates(
    demo_env, monkeypatch, user, page, params, prefix, metrics
):
    csv, xlsx = _pair(_files(monkeypatch, user, page, **params), prefix)
    csv_meta, csv_table = csv_parts(csv)
    xlsx_meta, xlsx_table = xlsx_parts(xlsx)
    assert csv_meta == xlsx_meta  # the same block in both files
    assert csv_table.columns == xlsx_table.columns and csv_table.height == xlsx_table.height
    defined = [line.split(" ")[0] for line in csv_meta if f" – {t('explain.definition')}: " in line]
    assert defined == list(metrics)
    for metric in metrics:
        assert any(
            line.startswith(_definition(metric)) and CAT[metric].texts("fi").definition[:40] in line
            for line in csv_meta
        )
        sources = [line for line in csv_meta if line.startswith(f"{metric} {t('explain.sources')}: ")]
        assert len(sources) == len(CAT[metric].sources)
        for source, line in zip(CAT[metric].sources, sources, strict=True):
            assert t(f"source.{source}") in line
    assert not any("Vanhentunut" in line for line in csv_meta)  # the demo's sources are fresh on its own day


def test_a_table_of_no_metric_has_no_definitions(demo_env, monkeypatch):
    csv, _ = _pair(_files(monkeypatch, "johto", "sector_overview"), "lapset-ja-oppilaat-sektoreittain")
    meta, _ = csv_parts(csv)
    assert meta and not any(f" – {t('explain.definition')}: " in line for line in meta)


@pytest.fixture
def stale_env(demo_home, tmp_path, monkeypatch):
    """The app on a copy of the demo warehouse whose sign-ins end on 1.11.2026 (daily, stale from 9.11.)."""
    home = warehouse_with_as_of(demo_home, tmp_path, kirjautumiset=dt.date(2026, 11, 1))
    with app_env(home, monkeypatch):
        yield home


def test_a_stale_source_is_marked_in_the_export_of_exactly_the_metrics_reading_it(stale_env, monkeypatch):
    csv, xlsx = _pair(_files(monkeypatch, "johto", "sector_scorecard"), "strategiamittarit-")
    for meta in (csv_parts(csv)[0], xlsx_parts(xlsx)[0]):
        stale = [line for line in meta if "Vanhentunut" in line]
        assert stale == [
            "M3 "
            + t(
                "freshness.stale",
                since=fmt_date(dt.date(2026, 11, 9)),
                source=t("source.kirjautumiset"),
                date=fmt_date(dt.date(2026, 11, 1)),
                rhythm=t("rhythm.daily"),
            )
        ]
        assert any(
            line.startswith(f"M3 {t('explain.sources')}: {t('source.kirjautumiset')}") and "1.11.2026" in line
            for line in meta
        )
