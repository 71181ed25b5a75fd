"""views.labels formats whole columns with native polars expressions — exactly the texts of the scalar
formats (tilannekuva.i18n's babel patterns, metrics.value_text_of_kind, the catalog's templates) — and no
Python function ever runs inside a polars expression of the app: polars evaluates expressions on its thread
pool, a pool thread calling Python needs the GIL, and a script thread holding the GIL while it waits on that
pool (st.dataframe's DataFrame.to_pandas) froze the whole server under concurrent sign-ins (issue 21)."""

from __future__ import annotations

import ast
import datetime as dt
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest

from tilannekuva import metrics
from tilannekuva.i18n import fmt_date, fmt_month, fmt_number, fmt_percent, t
from views import labels

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("fi", "sv", "en")
# Ties on decimal digits (2.675, 107/40), binary ties (0.125, 2.5), negatives and negative zero, nines that
# carry (999.9995), tiny and huge values in exponent form, nulls; then many fractions of pupil counts and
# seeded random magnitudes.
EDGES = [
    None,
    -1234.5,
    -0.001,
    -0.0,
    0.0,
    0.5,
    1.5,
    2.5,
    0.125,
    2.675,
    0.99995,
    999.9995,
    1234567.891,
    1e-7,
    5e-05,
    12.0,
    1e13,
    1.5e12 + 0.25,
    3.0e16,
]
_rng = random.Random(21)
VALUES = (
    EDGES
    + [k / n for n in (3, 7, 8, 40, 1000) for k in range(-40, 400)]
    + [_rng.random() * 10 ** _rng.randint(-4, 8) for _ in range(1500)]
)
MOMENTS = [None] + [dt.datetime(2026, 1, 1) + dt.timedelta(hours=37 * i, minutes=7 * i) for i in range(400)]


def _column(values, dtype=pl.Float64) -> pl.DataFrame:
    return pl.DataFrame({"v": values}, schema={"v": dtype})


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("decimals", [0, 1, 2, 3])
@pytest.mark.parametrize(
    ("native", "scalar"), [(labels.number, fmt_number), (labels.percent, fmt_percent)], ids=["number", "percent"]
)
def test_numbers_read_exactly_as_the_scalar_format(native, scalar, lang, decimals):
    shown = _column(VALUES).select(native("v", lang, decimals)).to_series().to_list()
    assert shown == [scalar(v, lang, decimals) for v in VALUES]


@pytest.mark.parametrize("lang", LANGS)
def test_whole_number_columns_read_as_numbers(lang):
    counts = [None, 0, 7, 1234, 1_000_000, -52]
    assert _column(counts, pl.Int64).select(labels.number("v", lang)).to_series().to_list() == [
        fmt_number(v, lang) for v in counts
    ]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("with_time", "dtype"), [(False, pl.Date), (False, pl.Datetime), (True, pl.Datetime)])
def test_dates_read_exactly_as_fmt_date(lang, with_time, dtype):
    values = [m if m is None or dtype == pl.Datetime else m.date() for m in MOMENTS]
    shown = _column(values, dtype).select(labels.date("v", lang, with_time=with_time)).to_series().to_list()
    assert shown == [fmt_date(v, lang, with_time=with_time) for v in values]


@pytest.mark.parametrize("lang", LANGS)
def test_months_read_exactly_as_fmt_month(lang):
    values = [None] + [dt.date(2026, m, 1) for m in range(1, 13)]
    assert _column(values, pl.Date).select(labels.month("v", lang)).to_series().to_list() == [
        fmt_month(v, lang) for v in values
    ]


def _duration_text(seconds, lang):  # the scalar rule the column follows
    if seconds is None:
        return labels.DASH
    if seconds < 60:
        return t("duration.seconds", lang, seconds=fmt_number(seconds, lang, 1))
    return t("duration.minutes", lang, minutes=int(seconds // 60), seconds=round(seconds % 60))


@pytest.mark.parametrize("lang", LANGS)
def test_durations(lang):
    values = [None, 0.0, 0.04, 26.5, 59.94, 59.96, 60.0, 72.4, 119.5, 120.5, 3599.6, 7322.0]
    assert _column(values).select(labels.duration("v", lang)).to_series().to_list() == [
        _duration_text(v, lang) for v in values
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_metric_values_by_each_rows_metric(lang):
    ids = list(metrics.METRICS)
    rows = [(ids[i % len(ids)], v) for i, v in enumerate(VALUES[:300])] + [("not_a_metric", 4.125)]
    frame = pl.DataFrame(rows, schema={"metric": pl.String, "value": pl.Float64}, orient="row")
    shown = frame.select(labels.metric_value(pl.col("metric"), "value", lang)).to_series().to_list()
    kinds = {m: spec.kind for m, spec in metrics.METRICS.items()}
    assert shown == [metrics.value_text_of_kind(kinds.get(m, "mean"), v, lang) for m, v in rows]


SIGNALS = [
    {
        "reasons": ["absence_high", "failing_grade"],
        "earlier_hours": None,
        "recent_hours": None,
        "term_hours": 41.25,
        "previous_mean": None,
        "latest_mean": None,
        "min_grade": 4,
    },
    {
        "reasons": ["grades_falling", "absence_rising"],
        "earlier_hours": 12.0,
        "recent_hours": 30.55,
        "term_hours": 80.0,
        "previous_mean": 7.675,
        "latest_mean": 6.5,
        "min_grade": 6,
    },
    {
        "reasons": [],
        "earlier_hours": 1.0,
        "recent_hours": 2.0,
        "term_hours": 3.0,
        "previous_mean": 8.0,
        "latest_mean": 8.0,
        "min_grade": 8,
    },
    {
        "reasons": None,
        "earlier_hours": None,
        "recent_hours": None,
        "term_hours": None,
        "previous_mean": None,
        "latest_mean": None,
        "min_grade": None,
    },
]


@pytest.mark.parametrize("lang", LANGS)
def test_signal_reasons_in_their_order_with_their_figures(lang):
    frame = pl.DataFrame(
        SIGNALS,
        schema={
            "reasons": pl.List(pl.String),
            "earlier_hours": pl.Float64,
            "recent_hours": pl.Float64,
            "term_hours": pl.Float64,
            "previous_mean": pl.Float64,
            "latest_mean": pl.Float64,
            "min_grade": pl.Int64,
        },
    )

    def expected(row):
        values = {
            "earlier": fmt_number(row["earlier_hours"], lang, 1),
            "recent": fmt_number(row["recent_hours"], lang, 1),
            "term": fmt_number(row["term_hours"], lang, 1),
            "previous": fmt_number(row["previous_mean"], lang, 2),
            "latest": fmt_number(row["latest_mean"], lang, 2),
            "lowest": row["min_grade"],
        }
        return "; ".join(t(f"signal.{code}", lang, **values) for code in row["reasons"] or [])

    assert frame.select(labels.signal_reasons(lang)).to_series().to_list() == [expected(r) for r in SIGNALS]


UDF_CALLS = {"map_batches", "map_elements", "map_rows", "map_groups", "apply"}


def _udf_calls(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in UDF_CALLS:
            if node.func.attr == "apply" and not isinstance(node.func.value, ast.Call):
                continue  # chrome.apply(lang) and the like: a call on a name, not on a polars expression
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.func.attr}(")
    return found


def test_no_python_function_runs_inside_a_polars_expression():
    files = [
        ROOT / "app.py",
        *sorted((ROOT / "views").rglob("*.py")),
        *sorted((ROOT / "pages").rglob("*.py")),
        *sorted((ROOT / "tilannekuva").rglob("*.py")),
    ]
    assert [hit for path in files for hit in _udf_calls(path)] == []


# Script threads rendering tables (tables.table's label formats, then st.dataframe's DataFrame.to_pandas, which
# holds the GIL while it waits on polars' pool) beside each other, as concurrent sign-ins do. With a Python
# function inside the formats this deadlocked within a second or two on every try; the child process is
# bounded and killed, so a freeze fails the test instead of hanging it.
RENDERERS = textwrap.dedent("""
    import datetime as dt, threading, time
    import polars as pl
    from views import tables
    frame = pl.DataFrame({"n": [i * 1.37 for i in range(300)], "share": [i / 300 for i in range(300)],
                          "day": [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(300)],
                          "metric": ["M1", "M2"] * 150, "value": [i / 40 for i in range(300)]})
    columns = {"n": ("col.value", "num1"), "day": ("col.date", "date"), "value": ("col.value", "metric:metric"),
               "share": ("col.share", "duration")}
    done, stop = [0], time.monotonic() + 4
    def render(lang):
        while time.monotonic() < stop:
            pl.DataFrame(tables.table(frame, columns, lang)).to_pandas()
            done[0] += 1
    threads = [threading.Thread(target=render, args=(lang,)) for lang in ("fi", "sv", "en", "fi", "sv", "en")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print("rendered", done[0])
""")


def test_tables_rendered_in_parallel_threads_do_not_freeze():
    try:
        run = subprocess.run([sys.executable, "-c", RENDERERS], cwd=ROOT, capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("six threads rendering tables froze (no answer in 90 s: the polars pool / GIL deadlock)")
    assert run.returncode == 0, run.stderr[-2000:]
    assert int(run.stdout.split()[-1]) > 6
