"""Every figure of a metric explains itself, in place.

`about(page, "M3")` goes beside a figure (a metric card, a chart's or a table's heading): a small button
"(i) Mittarin M3 tiedot" (an info icon and the words, which name the metric) that opens the explanation in a popover; under it, always visible, the data-as-of
date of each source the metric reads ("Tiedot: Sähköisten palvelujen kirjautumiset 20.11.2026, …") and,
for a source past its contract's threshold, a warning "Vanhentunut … alkaen" — beside every figure
that reads that source and no other.

`explanation(page, "M3")` is the content (the popover's and the Mittarit page's: one function, so they
cannot differ): the definition with the settings filled in, the formula, what is included and excluded,
each source with its system, date and rhythm, the owner, the caveats, the configured target with its
tolerance band and the reason for it, the first year, and the link to the city's guidance. Texts come
from the catalogue (tilannekuva.catalogue) and the translation catalog; the system names and anything
else from data pass through md(). Text only: the popover's content is sent with the page.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from tilannekuva import explanations, freshness, metrics
from tilannekuva.catalogue import catalogue
from tilannekuva.i18n import fmt_date, fmt_number
from tilannekuva.inert import md
from views import labels, loaders
from views.context import PageContext

STALE_ICON = ":material/update:"
INFO_ICON = ":material/info:"
SOURCE_LINES = {explanations.REFERENCE: "explain.source_no_date", explanations.MISSING: "explain.source_missing"}


def states(page: PageContext, metric: str) -> list[explanations.SourceState]:
    """The sources `metric` reads as of the page's day (Settings.today_date)."""
    return source_states(page, tuple(catalogue()[metric].sources))


def source_states(page: PageContext, sources: tuple[str, ...]) -> list[explanations.SourceState]:
    """explanations.source_states of `sources`, judged once per session for the acting user, the warehouse
    version and the day: a page asks it beside every figure and on every rerun (a filter change), and each
    answer read the data_freshness query and joined the thresholds again (7 % of a sign-in burst, issue 21).
    A refresh (a new version), the next day or viewing as another user judges anew."""
    return list(memo(page, sources, lambda: explanations.source_states(
        sources, loaders.frame(page, "data_freshness"), page.settings.today_date)))


def assessed(page: PageContext) -> pl.DataFrame:
    """tilannekuva.freshness.assess of the data_freshness query on the page's day, kept as `source_states`
    keeps its answers (an export's header block reads it on every run that shows a download button)."""
    return memo(page, "assessed", lambda: freshness.assess(loaders.frame(page, "data_freshness"),
                                                            page.settings.today_date))


def memo(page: PageContext, what, compute):
    """`compute()` once per session for `what` while the acting user, the warehouse version and the day stay
    the same (what the data-as-of dates and stale marks depend on)."""
    key = (page.acting.username, loaders.warehouse().version, page.settings.today_date, id(page.settings))
    kept = st.session_state.get(FRESHNESS_MEMO)
    if kept is None or kept[0] != key:
        kept = st.session_state[FRESHNESS_MEMO] = (key, {})
    if what not in kept[1]:
        kept[1][what] = compute()
    return kept[1][what]


FRESHNESS_MEMO = "_tk_source_states"


def about(page: PageContext, metric: str) -> None:
    """Beside a figure of `metric`: the button that opens its explanation, the data-as-of of its sources,
    and a stale mark for each of its sources past the threshold."""
    with st.popover(page.t("explain.button", metric=metric), icon=INFO_ICON,
                    help=page.t("explain.button_help", metric=metric)):
        explanation(page, metric)
    found = states(page, metric)
    as_of(page, found)
    stale_marks(page, found)


def data_of(page: PageContext, sources: tuple[str, ...]) -> None:
    """Beside a figure that is not a catalogue metric (pupil counts, a unit's basic facts): the data-as-of of
    the sources it reads and a stale mark for each past its threshold, as `about` gives a metric's figure."""
    found = source_states(page, tuple(sources))
    as_of(page, found)
    stale_marks(page, found)


def as_of(page: PageContext, found: list[explanations.SourceState]) -> None:
    """'Tiedot: Poissaolot 20.11.2026, Ilmoittautumiset ryhmiin 1.8.2026' (reference data have no date)."""
    dated = [f"{page.t(f'source.{s.source}')} "
             + (fmt_date(s.data_as_of, page.lang) if s.state == explanations.DATED else page.t("explain.as_of_missing"))
             for s in found if s.state != explanations.REFERENCE]
    if dated:
        st.caption(page.t("explain.as_of", sources=md(", ".join(dated))))


def stale_marks(page: PageContext, found: list[explanations.SourceState]) -> None:
    """A warning (icon and words, not colour alone) for each stale source: since when, its date, its rhythm."""
    for s in found:
        if s.is_stale:
            st.warning(page.t("freshness.stale", since=fmt_date(s.stale_since, page.lang),
                              source=page.t(f"source.{s.source}"), date=fmt_date(s.data_as_of, page.lang),
                              rhythm=page.t(f"rhythm.{s.rhythm}")), icon=STALE_ICON)


def explanation(page: PageContext, metric: str) -> None:
    """The whole explanation of `metric` in the reader's language (see the module's docstring)."""
    lang, found = page.lang, states(page, metric)
    entry = catalogue()[metric]
    said = explanations.texts(entry, lang, page.settings)
    st.markdown(f"**{md(metric)} {md(said.name)}**")
    st.markdown(f"**{page.t('explain.definition')}:** {md(said.definition)}")
    kind = page.t(f"explain.kind.{entry.kind}")        # a count has no denominator to divide by
    st.markdown(f"**{page.t('explain.formula')}:** "
                f"{kind if entry.kind == 'count' else page.t('explain.formula_line', kind=kind)}"
                f"  \n{page.t('explain.numerator')}: {md(said.numerator)}"
                f"  \n{page.t('explain.denominator')}: {md(said.denominator)}")
    st.markdown(f"**{page.t('explain.includes')}:** {md(said.includes)}  \n"
                f"**{page.t('explain.excludes')}:** {md(said.excludes)}")
    st.markdown(f"**{page.t('explain.sources')}**\n\n" + "\n".join(
        "- " + page.t(SOURCE_LINES.get(s.state, "explain.source_line"), source=page.t(f"source.{s.source}"),
                      system=md(explanations.system_name(s.source, lang)), date=fmt_date(s.data_as_of, lang), rhythm=page.t(f"rhythm.{s.rhythm}") if s.rhythm else "")
        for s in found))
    stale_marks(page, found)
    owner = catalogue().owners[entry.owner][lang]
    st.markdown(f"**{page.t('explain.owner')}:** {md(owner)}")
    st.markdown(f"**{page.t('explain.caveats')}**\n\n" + "\n".join(f"- {md(c)}" for c in said.caveats))
    target = metrics.targets(page.settings.targets).get(metric)     # the configured target, not the catalogue's
    st.markdown(f"**{page.t('explain.target')}:** " + (     # without a target, the reason says so ("Ei tavoitearvoa: …")
        "" if target is None or entry.tolerance is None else page.t(
            "explain.target_value", target=labels.metric_text(metric, target, lang),
            tolerance=page.t("metrics.points", points=fmt_number(entry.tolerance * 100, lang))
            if entry.kind == "share" else fmt_number(entry.tolerance, lang, 2)) + " ") + md(said.target_why))
    if entry.first_year is not None:
        st.caption(page.t("explain.first_year", year=md(f"{entry.first_year}–{entry.first_year + 1}")))
    doc = catalogue().guidance[entry.guidance][lang]
    st.markdown(f"**{page.t('explain.guidance')}:**")
    st.link_button(md(f"{doc} – {entry.guidance_section[lang]}"),
                   catalogue().guidance_url(entry.guidance, page.settings.guidance), icon=":material/open_in_new:")
