"""Admin: users with their role and effective scope (units by name, the staff record a teacher's
groups follow, the pages granted), and "see what this user sees": the app rendered as that user —
their pages, scope and suppression — until the admin stops it. Starting it is written to the
access log."""

import polars as pl
import streamlit as st

from tilannekuva.access import NoRoleError, build_principal, load_policy, load_users
from tilannekuva.i18n import t
from views import loaders, session, widgets

principal = session.require_page("admin_users")
lang = session.language()
conf = session.settings()

st.title(t("page.admin_users", lang))
st.caption(t("users.how", lang))
users = load_users(conf.users_file)
policy = load_policy(conf.roles_file)
units = loaders.frame(principal, "units_in_scope")
unit_names = dict(zip(units["unit_id"].to_list(), units["name"].to_list()))
rows = []
for username, entry in sorted(users.items()):
    try:
        p = build_principal(username, username, users, policy)
        pages = ", ".join(t(f"page.{x}", lang) for x in p.pages)
        scope = {"all": t("users.scope_all", lang),
                 "units": ", ".join(unit_names.get(u, str(u)) for u in p.unit_ids),
                 "groups": t("users.scope_groups", lang, staff=p.staff_id)}[p.scope]
        role = t(f"role.{p.role}", lang)
    except NoRoleError:
        pages, scope, role = "–", "–", t("users.no_role", lang)
    rows.append({"username": username, "role": role, "scope": scope, "pages": pages})
table = pl.DataFrame(rows, schema={"username": pl.String, "role": pl.String, "scope": pl.String,
                                   "pages": pl.String}).rename(
    {"username": t("col.user", lang), "role": t("col.role", lang), "scope": t("col.scope", lang),
     "pages": t("col.pages", lang)})
widgets.show_table(table)

st.header(t("users.view_as_header", lang))
st.markdown(t("users.view_as_help", lang))
with_role = [r["username"] for r in rows if r["pages"] != "–" and r["username"] != principal.username]
if with_role:
    chosen = st.selectbox(t("col.user", lang), with_role, key="tk_view_as_pick")
    if st.button(t("users.view_as_start", lang), icon=":material/visibility:", type="primary"):
        actual = session.signed_in_principal()
        session.start_view_as(actual, chosen)
        st.rerun()
