"""Admin: users with their role and effective scope (units by name, the staff record a teacher's
groups follow, the pages granted), and "see what this user sees": the app rendered as that user —
their pages, scope and suppression — until the admin stops it. Starting it is written to the
access log. Single sign-on identities linked to users (by tenant + object id, never by e-mail), and
the pending link requests the admin confirms or rejects here (written to the access log)."""

import streamlit as st

from tilannekuva.access import effective_access, load_policy, load_users
from views import loaders, stores, tables, user_admin, view_as
from views.context import open_page

page = open_page("admin_users")
st.title(page.t("page.admin_users"))
st.caption(page.t("users.how"))
access = effective_access(load_users(page.settings.users_file), load_policy(page.settings.roles_file))
tables.show(user_admin.users_table(page, access, loaders.frame(page, "units_in_scope")))

st.header(page.t("users.view_as_header"))
st.markdown(page.t("users.view_as_help"))
if others := [a.username for a in access if a.may_sign_in and a.username != page.acting.username]:
    chosen = st.selectbox(page.t("col.user"), others, key="tk_view_as_pick", placeholder=page.t("filter.choose"))
    if st.button(page.t("users.view_as_start"), icon=":material/visibility:", type="primary"):
        view_as.start(page.signed_in, chosen)          # logged (view_as)
        st.rerun()

st.header(page.t("users.sso_header"))
st.markdown(page.t("users.sso_help"))
user_admin.identity_links(page, stores.identity_links(page.settings))
