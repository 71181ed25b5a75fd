"""Admin: users with their role and effective scope (units by name, the staff record a teacher's
groups follow, the pages granted), and "see what this user sees": the app rendered as that user —
their pages, scope and suppression — until the admin stops it. Starting it is written to the
access log. Single sign-on identities linked to users (by tenant + object id, never by e-mail), and
the pending link requests the admin confirms or rejects here (written to the access log)."""

import datetime as dt

import polars as pl
import streamlit as st

from tilannekuva.access import NoRoleError, build_principal, load_policy, load_users
from tilannekuva.i18n import fmt_date, t
from tilannekuva.inert import md
from views import access_log as audit, loaders, session, widgets

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

st.header(t("users.sso_header", lang))
st.markdown(t("users.sso_help", lang))
links = session.identity_links(conf)


def _when(ts: float) -> str:
    return fmt_date(dt.datetime.fromtimestamp(ts), lang, with_time=True)


linked = [{"user": link.username, "identity": link.identity, "linked_at": _when(link.linked_at)}
          for link in links.links()]
if linked:
    widgets.show_table(pl.DataFrame(linked).rename(
        {"user": t("col.user", lang), "identity": t("col.identity", lang), "linked_at": t("col.linked_at", lang)}))
pending = links.pending()
if not pending:
    st.caption(t("users.sso_none_pending", lang))
else:
    widgets.show_table(pl.DataFrame([{"user": p.username, "email": p.email, "name": p.display_name,
                                      "identity": p.identity, "requested_at": _when(p.requested_at)}
                                     for p in pending]).rename(
        {"user": t("col.user", lang), "email": t("col.email_claimed", lang), "name": t("col.display_name", lang),
         "identity": t("col.identity", lang), "requested_at": t("col.requested_at", lang)}))
    by_identity = {p.identity: p for p in pending}
    picked = st.selectbox(t("col.identity", lang), list(by_identity), key="tk_sso_pending_pick",
                          format_func=lambda key: f"{by_identity[key].username} ← {key}")
    confirm, reject = st.columns(2)
    actual = session.signed_in_principal()
    read_only = actual is None or actual.username != principal.username     # "see what this user sees"
    if confirm.button(t("users.sso_confirm", lang), type="primary", key="tk_sso_confirm", disabled=read_only):
        username = links.confirm(picked, linked_by=actual.username, username=by_identity[picked].username)
        if username is not None:
            audit.record(conf, actual.username, actual.role, "link_identity", f"user:{username}", "admin_users",
                         {"identity": picked, "email": by_identity[picked].email}, 0)
            st.session_state["tk_sso_confirmed"] = username
        st.rerun()
    if reject.button(t("users.sso_reject", lang), key="tk_sso_reject", disabled=read_only):
        links.reject(picked)
        audit.record(conf, actual.username, actual.role, "reject_identity", f"user:{by_identity[picked].username}",
                     "admin_users", {"identity": picked}, 0)
        st.rerun()
if confirmed := st.session_state.pop("tk_sso_confirmed", None):
    st.success(t("users.sso_confirmed", lang, user=md(confirmed)))
