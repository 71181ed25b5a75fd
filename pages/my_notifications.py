"""Every role: Ilmoitukset — which changes in my own scope I am told of and how often (immediately after a
data load, daily, weekly, never), by e-mail and in Teams, and when the digests go out. Viewed by an admin as
this user: everything shown, nothing can be saved."""

import streamlit as st

from views import notification_sections as notify
from views import stores
from views.context import open_page

page = open_page("my_notifications")
st.title(page.t("page.my_notifications"))
st.caption(page.t("notify.how"))
if page.acting.read_only:
    st.info(page.t("notify.read_only"))
store, rules = stores.notifications(page.settings), notify.rules(page)

st.header(page.t("notify.kinds_header"))
notify.frequencies(page, store, rules)

st.header(page.t("notify.channels_header"))
notify.channels(page, store)

st.header(page.t("notify.when_header"))
notify.schedule(page, rules)
