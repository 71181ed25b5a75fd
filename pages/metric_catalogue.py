"""Every role: the metric catalogue (Mittarit) — every metric with its whole explanation (the same as
beside each figure: views/explain.py) and its sources' freshness, searchable by id, name and definition
in the reader's language. Reads only the catalogue and the sources' data-as-of dates: no personal data."""

import streamlit as st

from tilannekuva.catalogue import catalogue
from tilannekuva.explanations import matches, texts
from tilannekuva.i18n import fmt_number
from tilannekuva.inert import md
from views import explain
from views.context import open_page

page = open_page("metric_catalogue")
st.title(page.t("page.metric_catalogue"))
st.markdown(page.t("catalogue.intro"))
query = st.text_input(page.t("catalogue.search"), key="tk_metric_search", help=page.t("catalogue.search_help"),
                      max_chars=100).strip()
found = [m for m in catalogue() if matches(m, page.lang, query, page.settings)]
stale = [m.id for m in catalogue() if any(s.is_stale for s in explain.states(page, m.id))]
if stale:
    st.warning(page.t("catalogue.stale_count", count=fmt_number(len(stale), page.lang)), icon=explain.STALE_ICON)
st.caption(page.t("catalogue.count", count=fmt_number(len(found), page.lang),
                  total=fmt_number(len(catalogue().metrics), page.lang)))
if not found:
    st.info(page.t("catalogue.no_match", query=md(query)))
for m in found:
    with st.expander(md(f"{m.id} {texts(m, page.lang, page.settings).name}"),
                     icon=explain.STALE_ICON if m.id in stale else ":material/functions:"):
        explain.explanation(page, m.id)
