"""The admin's user pages (pages/admin_users.py): the user list with each user's effective scope in
words, and the single sign-on links — the linked identities, the pending requests and the buttons
that confirm or reject one (written to the access log). Who gets what is the core's rule
(tilannekuva.access.effective_access); this module only shows it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
import streamlit as st

from tilannekuva.access import UserAccess
from tilannekuva.audit_events import Action, user_target
from tilannekuva.identities import IdentityLinks
from tilannekuva.inert import md
from views import labels, stores, tables
from views.access_log import record
from views.context import PageContext

USER_COLUMNS = {"username": "col.user", "name": "col.name", "role_text": "col.role", "scope_text": "col.scope",
                "pages_text": "col.pages"}
LINK_COLUMNS = {"username": "col.user", "identity": "col.identity", "linked_at": ("col.linked_at", "datetime")}
PENDING_COLUMNS = {"username": "col.user", "email": "col.email_claimed", "display_name": "col.display_name",
                   "identity": "col.identity", "requested_at": ("col.requested_at", "datetime")}
CONFIRMED = "tk_sso_confirmed"      # session state: the user whose link was just confirmed (told after the rerun)


def users_table(page: PageContext, access: list[UserAccess], units: pl.DataFrame) -> pl.DataFrame:
    """User, their name (the user directory), role, scope in words (unit names, 'own groups (staff 12)', 'the
    whole city') and pages."""
    lang, dash = page.lang, pl.lit(labels.DASH)
    frame = pl.DataFrame([dataclasses.asdict(a) for a in access], schema={
        "username": pl.String, "role": pl.String, "scope": pl.String, "unit_ids": pl.List(pl.Int64),
        "staff_id": pl.Int64, "pages": pl.List(pl.String)})
    names = dict(zip(units["unit_id"].to_list(), units["name"].to_list(), strict=True))
    unit_names = pl.col("unit_ids").list.eval(pl.element().replace_strict(
        names, default=pl.element().cast(pl.String), return_dtype=pl.String)).list.join(", ")
    people = stores.display_names(page.settings)
    return tables.table(frame.with_columns(
        name=pl.col("username").replace_strict(people, default=dash, return_dtype=pl.String),
        role_text=pl.when(pl.col("role").is_null()).then(pl.lit(page.t("users.no_role")))
        .otherwise(labels.label("role", "role", lang)),
        scope_text=pl.when(pl.col("scope") == "all").then(pl.lit(page.t("users.scope_all")))
        .when(pl.col("scope") == "units").then(unit_names)
        .when(pl.col("scope") == "groups").then(labels.filled("users.scope_groups", lang, staff="staff_id"))
        .otherwise(dash),
        pages_text=pl.when(pl.col("role").is_null()).then(dash)
        .otherwise(pl.col("pages").list.eval(labels.label(pl.element(), "page", lang)).list.join(", ")),
    ), USER_COLUMNS, lang)


def _when(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts)       # local time, as the rest of the app shows it


def identity_links(page: PageContext, links: IdentityLinks) -> None:
    """The linked identities, the pending link requests, and confirm / reject for one of them (not while
    the admin views the app as someone else)."""
    linked = [{"username": x.username, "identity": x.identity, "linked_at": _when(x.linked_at)} for x in links.links()]
    if linked:
        tables.show(tables.table(pl.DataFrame(linked), LINK_COLUMNS, page.lang))
    pending = {p.identity: p for p in links.pending()}
    if not pending:
        st.caption(page.t("users.sso_none_pending"))
    else:
        tables.show(tables.table(pl.DataFrame([{
            "username": p.username, "email": p.email, "display_name": p.display_name, "identity": p.identity,
            "requested_at": _when(p.requested_at)} for p in pending.values()]), PENDING_COLUMNS, page.lang))
        _confirm_or_reject(page, links, pending)
    if confirmed := st.session_state.pop(CONFIRMED, None):
        st.success(page.t("users.sso_confirmed", user=md(confirmed)))


def _confirm_or_reject(page: PageContext, links: IdentityLinks, pending: dict) -> None:
    picked = st.selectbox(page.t("col.identity"), list(pending), key="tk_sso_pending_pick", placeholder=page.t("filter.choose"),
                          format_func=lambda key: f"{pending[key].username} ← {key}")
    confirm, reject = st.columns(2)
    who, read_only = page.signed_in, page.signed_in.username != page.acting.username   # "see what this user sees"
    if confirm.button(page.t("users.sso_confirm"), type="primary", key="tk_sso_confirm", disabled=read_only):
        username = links.confirm(picked, linked_by=who.username, username=pending[picked].username)
        if username is not None:
            record(page.settings, who.username, who.role, Action.LINK_IDENTITY, user_target(username), page.page_id,
                   {"identity": picked, "email": pending[picked].email}, 0)
            st.session_state[CONFIRMED] = username
        st.rerun()
    if reject.button(page.t("users.sso_reject"), key="tk_sso_reject", disabled=read_only):
        links.reject(picked)
        record(page.settings, who.username, who.role, Action.REJECT_IDENTITY, user_target(pending[picked].username),
               page.page_id, {"identity": picked}, 0)
        st.rerun()
