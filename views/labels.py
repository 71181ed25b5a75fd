"""The one label and format layer: codes to words, numbers, percentages, dates and metric values in
the reader's language — as polars expressions over whole columns, and as scalar texts for KPIs.

Every function takes the language explicitly: polars may evaluate an expression on another thread,
where Streamlit's session (and so "the current language") does not exist. Nothing here reads the
session. Codes map through `{code: text}` dictionaries built from the translation catalog, so a
table or chart never calls `t()` once per row.

    frame.with_columns(labels.label("subject", "subject", lang),        # 'MA' -> 'Matematiikka'
                       labels.percent("share", lang, 1).alias("share_text"))
"""

from __future__ import annotations

import datetime as dt
import functools

import polars as pl
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from tilannekuva import metrics
from tilannekuva.i18n import BABEL_LOCALES, catalog, fmt_date, fmt_number, t
from tilannekuva.metrics import METRICS
from tilannekuva.signals import REASONS

DASH = "–"


@functools.cache
def words(prefix: str, lang: str, suffix: str = "") -> dict[str, str]:
    """{code: text} of every catalog key `<prefix>.<code>` (or `<prefix>.<code>.<suffix>`), in `lang`
    with the Finnish text where `lang` has none: words('subject', 'sv') -> {'MA': 'Matematik', …}."""
    head, tail = prefix + ".", ("." + suffix) if suffix else ""
    found: dict[str, str] = {}
    for source in (catalog("fi"), catalog(lang)):
        for key, text in source.items():
            if key.startswith(head) and key.endswith(tail):
                code = key[len(head):len(key) - len(tail)]
                if code and "." not in code:
                    found[code] = text
    return found


def _col(column: str | pl.Expr) -> pl.Expr:
    return pl.col(column) if isinstance(column, str) else column


def label(column: str | pl.Expr, prefix: str, lang: str, suffix: str = "") -> pl.Expr:
    """Codes to words (a code with no text in the catalog stays as it is; null stays null). Keeps the
    column's name."""
    expr = _col(column)
    return expr.cast(pl.String).replace_strict(words(prefix, lang, suffix), default=expr.cast(pl.String),
                                               return_dtype=pl.String)


# No Python function runs inside a polars expression here (no map_batches / map_elements): polars evaluates
# expressions on its own thread pool, whose threads would need the GIL to call Python, while a script thread
# that holds the GIL waits on that pool (st.dataframe's DataFrame.to_pandas does) — the whole server froze
# under concurrent sign-ins (issue 21). Numbers and dates are formatted by native expressions that give
# exactly the texts of tilannekuva.i18n's babel formats (tests/unit/test_labels_native.py compares them).
_BABEL = {lang: BABEL_LOCALES[lang] for lang in BABEL_LOCALES}


@functools.cache
def _symbols(lang: str) -> tuple[str, str]:
    """(group separator, decimal sign) of `lang` as babel formats numbers: ('\u00a0', ',') in Finnish."""
    return babel_numbers.get_group_symbol(_BABEL[lang]), babel_numbers.get_decimal_symbol(_BABEL[lang])


def _decimal_text(column: str | pl.Expr, lang: str, decimals: int, shift: int = 0) -> pl.Expr:
    """A number as babel's '#,##0.00' formats it, natively: the shortest decimal form of the float (what
    Python's repr and polars' cast both give), moved `shift` places (a percentage: 2), rounded half to even
    on those decimal digits, grouped by thousands. Null -> null."""
    group, point = _symbols(lang)
    text = _col(column).cast(pl.Float64).cast(pl.String)
    negative = text.str.starts_with("-")
    body = text.str.strip_prefix("-")
    whole = body.str.extract(r"^(\d+)", 1)
    digits = pl.concat_str(whole, body.str.extract(r"\.(\d+)$", 1).fill_null(""), pl.lit("0" * (shift + decimals + 1)))
    keep = whole.str.len_chars() + (shift + decimals)
    head = digits.str.slice(0, keep).cast(pl.UInt64, strict=False)
    nxt = digits.str.slice(keep, 1).cast(pl.UInt8)
    rest = digits.str.slice(keep + 1).str.contains("[1-9]")
    scaled = head + ((nxt > 5) | ((nxt == 5) & (rest | (head % 2 == 1)))).cast(pl.UInt64)
    integer, fraction = (scaled // 10**decimals).cast(pl.String), scaled % 10**decimals
    # A float in exponent form (below 1e-5 or from 1e16) or with more digits than 64 bits hold: rounded as a float (tiny ones
    # round to 0, huge ones are whole numbers).
    as_float = text.str.contains("e") | (keep > 19)
    rounded = (_col(column).cast(pl.Float64).abs() * 10**shift).round(decimals)
    integer = pl.when(as_float).then(rounded.floor().cast(pl.Int128).cast(pl.String)).otherwise(integer)
    fraction = pl.when(as_float).then(((rounded - rounded.floor()) * 10**decimals).round(0).cast(pl.UInt64)).otherwise(
        fraction)
    grouped = integer.str.reverse().str.extract_all(r"\d{1,3}").list.join(group).str.reverse()
    parts = [pl.when(negative).then(pl.lit("-")).otherwise(pl.lit("")), grouped]
    if decimals:
        parts += [pl.lit(point), fraction.cast(pl.String).str.zfill(decimals)]
    return pl.concat_str(parts)


def number(column: str | pl.Expr, lang: str, decimals: int = 0) -> pl.Expr:
    """'1 234,5' (fi, sv) / '1,234.5' (en); null -> '–'."""
    return _decimal_text(column, lang, decimals).fill_null(DASH)


def percent(column: str | pl.Expr, lang: str, decimals: int = 0) -> pl.Expr:
    """A share 0..1 as '87 %' (fi, sv) / '87%' (en); null -> '–'."""
    sign = "%" if lang == "en" else "\u00a0%"
    return pl.concat_str(_decimal_text(column, lang, decimals, shift=2), pl.lit(sign)).fill_null(DASH)


@functools.cache
def _month_names(lang: str, width: str) -> dict[int, str]:
    """{1: 'tammik.', …} ('MMM') or {1: 'tammikuu', …} ('LLLL') as babel writes them in `lang`."""
    return {m: babel_dates.format_date(dt.date(2000, m, 1), width, locale=_BABEL[lang]) for m in range(1, 13)}


def _month_name(expr: pl.Expr, lang: str, width: str) -> pl.Expr:
    return expr.dt.month().replace_strict(_month_names(lang, width), return_dtype=pl.String)


def date(column: str | pl.Expr, lang: str, with_time: bool = False) -> pl.Expr:
    """'22.11.2026' (fi, sv) / '22 Nov 2026' (en), with the time if asked (a datetime column: 'klo 14.05',
    'kl. 14:05', '14:05'); null -> '–'."""
    expr = _col(column)
    day = expr.dt.strftime("%-d")
    text = (pl.concat_str(day, pl.lit(" "), _month_name(expr, lang, "MMM"), pl.lit(" "), expr.dt.strftime("%Y"))
            if lang == "en" else expr.dt.strftime("%-d.%-m.%Y"))
    if with_time:
        text = pl.concat_str(text, expr.dt.strftime({"fi": " klo %-H.%M", "sv": " kl. %H:%M", "en": " %H:%M"}[lang]))
    return text.fill_null(DASH)


def duration(column: str | pl.Expr, lang: str) -> pl.Expr:
    """Seconds as people say them: '26,5 s', '1 min 12 s'; null -> '–'."""
    seconds = _col(column).cast(pl.Float64)
    short = filled("duration.seconds", lang, seconds=number(seconds, lang, 1))
    long = filled("duration.minutes", lang, minutes=(seconds // 60).cast(pl.Int64),
                  seconds=(seconds % 60).round(0, mode="half_to_even").cast(pl.Int64))
    return pl.when(seconds.is_null()).then(pl.lit(DASH)).when(seconds < 60).then(short).otherwise(long)


def month(column: str | pl.Expr, lang: str) -> pl.Expr:
    """'marraskuu 2026' / 'november 2026' / 'November 2026'."""
    expr = _col(column)
    return pl.concat_str(_month_name(expr, lang, "LLLL"), pl.lit(" "), expr.dt.strftime("%Y")).fill_null(DASH)


def metric_value(metric: str | pl.Expr, value: str | pl.Expr, lang: str) -> pl.Expr:
    """Metric values as users read them, per row's metric (a metric id or a column of them): shares
    '87 %', means '4,12'. Named after `value` when it is a column name."""
    kinds = {m: spec.kind for m, spec in METRICS.items()}
    metric_expr = pl.lit(metric) if isinstance(metric, str) and metric in METRICS else _col(metric)
    kind = metric_expr.replace_strict(kinds, default="mean", return_dtype=pl.String)
    expr = pl.when(kind == "share").then(percent(value, lang)).otherwise(number(value, lang, 2))
    return expr.alias(value) if isinstance(value, str) else expr


def partial(text: str | pl.Expr, is_partial: str | pl.Expr, lang: str) -> pl.Expr:
    """A period's label with '(kesken)' where the data end before the period does: '2026–2027 (kesken)'."""
    return (pl.when(_col(is_partial)).then(pl.format("{} ({})", _col(text), pl.lit(t("period.partial", lang))))
            .otherwise(_col(text)))


def compared_with(previous_year: str, lang: str) -> pl.Expr:
    """What each card (metrics.cards) is compared with: '20.11.2025' for an unfinished year's cumulative
    metric (its `compared_on`), else the previous year's label."""
    return pl.when(pl.col("compared_on").is_not_null()).then(date("compared_on", lang)).otherwise(
        pl.lit(previous_year)).alias("compared_with")


def partial_text(text: str, is_partial: bool, lang: str) -> str:
    """labels.partial for one label (a KPI, a title)."""
    return f"{text} ({t('period.partial', lang)})" if is_partial else text


metric_text_of_kind = metrics.value_text_of_kind
metric_text = metrics.value_text


def metric_delta(metric: str, value: float | None, previous: float | None, lang: str,
                 on: dt.date | None = None) -> str | None:
    """The change from the previous period: percentage points for shares (one decimal), points for means
    (two). A change that rounds to zero reads '±0,0' (NO_CHANGE first): not a green rising arrow. With
    `on` (an unfinished year's cumulative metric: metrics.cards' compared_on) the change says what it is
    compared with: '+3,0 %-yks. vs. 20.11.2025'."""
    if value is None or previous is None:
        return None
    share = METRICS[metric].kind == "share"
    change = round((value - previous) * 100, 1) if share else round(value - previous, 2)
    sign = NO_CHANGE if change == 0 else "+" if change > 0 else ""
    key = ("delta.points" if share else "delta.mean") + ("_on" if on else "")
    dates = {"date": fmt_date(on, lang)} if on else {}
    return t(key, lang, value=fmt_number(abs(change) if change == 0 else change, lang, 1 if share else 2), sign=sign,
             **dates)


NO_CHANGE = "±"


def delta_style(delta: str | None) -> dict:
    """st.metric's arguments for a delta from metric_delta: no arrow and no colour when nothing changed."""
    return {"delta_color": "off", "delta_arrow": "off"} if delta and delta.startswith(NO_CHANGE) else {}


def light_badge(light: str, lang: str) -> str:
    """The traffic light as an icon and words (Markdown), so no meaning rests on colour alone."""
    icon = {"green": ":material/check_circle:", "amber": ":material/error:", "red": ":material/cancel:",
            "none": ":material/remove:", "pending": ":material/hourglass_empty:"}[light]
    colour = {"green": "green", "amber": "orange", "red": "red", "none": "gray", "pending": "gray"}[light]
    return f":{colour}[{icon} {t(f'light.{light}', lang)}]"


def count_or_hidden(values: pl.Series, lang: str) -> str:
    """A pupil count for a KPI: the number, 'hidden' when suppressed, '–' when there is none."""
    if values.len() == 0:
        return DASH
    value = values[0]
    return t("suppression.short", lang) if value is None else fmt_number(value, lang)


def support_forms(column: str | pl.Expr, lang: str) -> pl.Expr:
    """'tehostettu_tuki, tukiopetus' -> 'Tehostettu tuki (ennen 1.8.2025), Tukiopetus'."""
    names = words("support_form", lang)
    return (_col(column).fill_null("").str.split(",")
            .list.eval(pl.element().str.strip_chars().filter(pl.element() != "")
                       .replace_strict(names, default=pl.element()))
            .list.join(", "))


SIGNAL_FIGURES = ("reasons", "earlier_hours", "recent_hours", "term_hours", "previous_mean", "latest_mean", "min_grade")


def signal_reasons(lang: str) -> pl.Expr:
    """A support signal's reasons in words with the figures behind them ('Poissaolot kasvaneet: 12,0 → 30,5 h;
    …'), from the columns of tilannekuva.signals (SIGNAL_FIGURES)."""
    figures = {"earlier": number("earlier_hours", lang, 1), "recent": number("recent_hours", lang, 1),
               "term": number("term_hours", lang, 1), "previous": number("previous_mean", lang, 2),
               "latest": number("latest_mean", lang, 2), "lowest": pl.col("min_grade").cast(pl.String).fill_null(DASH)}
    codes = REASONS
    texts = pl.concat_list([filled(f"signal.{code}", lang, **figures) for code in codes])
    order = pl.col("reasons").list.eval(pl.element().replace_strict({c: i for i, c in enumerate(codes)},
                                                                    return_dtype=pl.UInt32))
    return texts.list.gather(order).list.join("; ").fill_null("").alias("reasons_text")


def followed_up(lang: str, names: dict[str, str], notes_of: str | None = None) -> pl.Expr:
    """'Opettaja Demo, 20.11.2026: soitettu kotiin' for a pupil marked followed up (columns followed_by,
    followed_at, note of FollowUps.current), '' otherwise: who marked it by name (`names`, the user directory;
    the username when it has none) and the note — every note, or with `notes_of` (a username) only that
    user's own notes (a teacher reads their own, not a colleague's)."""
    who = pl.col("followed_by").replace_strict(names, default=pl.col("followed_by"), return_dtype=pl.String)
    note = pl.col("note").fill_null("")
    if notes_of is not None:
        note = pl.when(pl.col("followed_by") == notes_of).then(note).otherwise(pl.lit(""))
    marked = pl.format("{}, {}", who, date("followed_at", lang))
    text = pl.when(note.str.strip_chars() != "").then(pl.format("{}: {}", marked, note)).otherwise(marked)
    return pl.when(pl.col("followed_by").is_not_null()).then(text).otherwise(pl.lit("")).alias("followed_text")


def support_series(lang: str) -> pl.Expr:
    """'Tehostettu tuki (ennen 1.8.2025)': a support level with the regime it belongs to (the 2025 reform
    renamed the levels; the two are never summed)."""
    return pl.format("{} ({})", label("support_level", "support_level", lang), label("regime", "regime", lang))


def names_of_true(columns: dict[str, str], lang: str) -> pl.Expr:
    """The catalog texts of the boolean columns that are true, joined by ', ' ('' when none):
    names_of_true({'flag_bulk': 'accesslog.flag_bulk_short', …}, lang) -> 'suuri lataus, …'."""
    return pl.concat_str([pl.when(pl.col(c)).then(pl.lit(t(key, lang))) for c, key in columns.items()],
                         separator=", ", ignore_nulls=True)


def filled(key: str, lang: str, **columns: str | pl.Expr) -> pl.Expr:
    """A catalog text with its {placeholders} filled from columns, per row without calling t() per row:
    filled('users.scope_groups', lang, staff='staff_id') -> 'omat opetusryhmät (henkilö 12)'."""
    marks = {name: f"\x00{name}\x00" for name in columns}
    parts: list[pl.Expr] = []
    for i, piece in enumerate(t(key, lang, **marks).split("\x00")):
        parts.append(_col(columns[piece]).cast(pl.String) if i % 2 else pl.lit(piece))
    return pl.concat_str(parts)


def hidden_cells(count: int, lang: str) -> str:
    """' (3 solua)' after a sentence on the suppression rule, or nothing when no cell was hidden (the rule is
    still stated; '(0 solua)' under a chart with nothing hidden was noise)."""
    return t("suppression.cells_note", lang, count=fmt_number(count, lang)) if count else ""


def span_title(school_years: pl.Series, lang: str) -> str:
    """A trend's title from the school years it covers ('Kehitys 2 lukuvuoden ajalta (2025–2026 – 2026–2027)'),
    never a fixed 'five years' over a metric with two (issue 18 item 11)."""
    years = school_years.unique(maintain_order=True).drop_nulls().to_list()
    if len(years) <= 1:
        return t("chart.span_one", lang, year=years[0] if years else "–")
    return t("chart.span_years", lang, count=len(years), first=years[0], last=years[-1])
