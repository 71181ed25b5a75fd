"""Admin: data loads — each source's data date, the load history with every rejected file's
problems, and the source contracts the loads are checked against."""

import streamlit as st

from views import load_review
from views.context import open_page

page = open_page("admin_loads")
st.title(page.t("page.admin_loads"))
st.caption(page.t("loads.how"))

load_review.sources(page)
load_review.history(page)
load_review.contracts(page)
