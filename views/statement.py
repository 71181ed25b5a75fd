"""The accessibility statement (Act 306/2019 §15): public text, no data, so it is offered to
signed-out visitors too (from the login page) and to every role. It is a render function, not a
file in pages/, because every file in pages/ is a data page that starts with its guard."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from tilannekuva.i18n import fmt_date, t
from tilannekuva.inert import md
from views import stores
from views.language import language

STATEMENT_DATE = dt.date(2026, 11, 24)      # when the service was last assessed (update with each assessment)


def render() -> None:
    lang = language()
    conf = stores.settings()
    email = conf.feedback_email if conf is not None else ""
    st.title(t("page.accessibility", lang))
    st.markdown(t("a11y.intro", lang, date=fmt_date(STATEMENT_DATE, lang)))
    st.header(t("a11y.status_header", lang))
    st.markdown(t("a11y.status", lang))
    st.header(t("a11y.known_header", lang))
    st.markdown(t("a11y.known", lang))
    st.header(t("a11y.features_header", lang))
    st.markdown(t("a11y.features", lang))
    st.header(t("a11y.testing_header", lang))
    st.markdown(t("a11y.testing", lang))
    st.header(t("a11y.feedback_header", lang))
    st.markdown(t("a11y.feedback", lang, email=md(email)))
    st.header(t("a11y.enforcement_header", lang))
    st.markdown(t("a11y.enforcement", lang))
