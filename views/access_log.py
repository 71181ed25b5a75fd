"""The Streamlit side of the access log (tilannekuva.audit): one AccessLog per deployment, and the
entries pages write — a view of personal data, an export, a print, a follow-up mark.

Every entry names who signed in (an admin using "see what this user sees" is logged as the admin,
with `viewed_as` in its filters), the acting scope, the page and its filters.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import streamlit as st

from tilannekuva.access import Principal
from tilannekuva.audit import AccessLog
from tilannekuva.i18n import t
from tilannekuva.settings import Settings
from tilannekuva.statedb import StateUnavailable, for_settings
from views.cache_keys import KEYED

if TYPE_CHECKING:
    from views.context import PageContext

VIEWS_SEEN = "tk_logged_views"      # session state: the views already logged in this session
log = logging.getLogger("tilannekuva.app")


@st.cache_resource(show_spinner=False, hash_funcs=KEYED)
def access_log(settings: Settings) -> AccessLog:
    """The deployment's access log (tilannekuva.statedb: data/state/access_log.sqlite or tk_access_log)."""
    return AccessLog(for_settings(settings, "access_log"), retention_days=settings.access_log_retention_days)


def record(settings: Settings | None, username: str, role: str, action: str, target: str, page: str,
           filters: dict, rows: int, subjects=()) -> None:
    """One entry outside a page (sign-in, sign-out, view-as): who is given explicitly."""
    if settings is not None:
        access_log(settings).record(username, role, action, target, page, filters, rows, subjects)


def _entry(page: PageContext, action: str, target: str, rows: int, subjects=(), filters: dict | None = None):
    base = {**(page.filter_values() if filters is None else filters), "scope": page.acting.scope,
            "units": list(page.acting.unit_ids)}
    if page.signed_in.username != page.acting.username:
        base["viewed_as"] = page.acting.username
    ids = [int(s) for s in subjects]
    store = access_log(page.settings)   # looked up now: a download's worker thread has no script context
    who = page.signed_in

    def write(more: dict | None = None) -> None:
        store.record(who.username, who.role, action, target, page.page_id, {**base, **(more or {})}, rows, ids)
    return write


def _written_or_stop(page: PageContext, write) -> None:
    """Write an entry on the page's script thread; when the state database is away (StateUnavailable), say so in
    the user's language and end the page here, before anything the entry was for is drawn. The same answer as
    app.py's, also when a page runs without app.py around it (Streamlit's pages/ discovery, AppTest reruns):
    never Streamlit's English error box."""
    try:
        write()
    except StateUnavailable as exc:
        log.error("the state database is unavailable: %s", exc)
        st.error(t("error.state_unavailable", page.lang))
        st.stop()


def log_view(page: PageContext, target: str, rows: int, subjects=(), filters: dict | None = None) -> None:
    """A view of personal data (`target`, e.g. 'support_signals'; `subjects` the pupils shown), logged once
    per sign-in for the same viewer, list, filters and pupils — not again on every rerun of the page. The key
    holds who signed in, whose view it is and the sign-in's session: on a shared computer the next person
    (or an admin viewing as another user) is logged again."""
    values = page.filter_values() if filters is None else filters
    seen = st.session_state.setdefault(VIEWS_SEEN, set())
    key = (page.signed_in.username, page.acting.username, page.session_id, target, page.page_id,
           tuple(sorted((k, str(v)) for k, v in values.items())), rows, tuple(sorted(int(s) for s in subjects)))
    if key in seen:
        return
    _written_or_stop(page, _entry(page, "view", target, rows, subjects, values))
    seen.add(key)       # only once written: a failed write (StateUnavailable) is retried on the next run


def log_event(page: PageContext, action: str, target: str, rows: int = 0, subjects=(),
              filters: dict | None = None) -> None:
    """Any other entry on a page, written now (a print, a follow-up mark)."""
    _written_or_stop(page, _entry(page, action, target, rows, subjects, filters))


def export_entry(page: PageContext, target: str, rows: int, subjects=(), filters: dict | None = None):
    """The entry of an export that happens later, off the script thread (a download's click runs its
    producer in a worker thread, without the session): who, in whose view and with which scope is
    taken now. `filters` replaces the page's filters (a choice made outside them, e.g. one pupil's
    history). Call the result, with extra fields if any, to write it; it raises if the log cannot
    be written."""
    return _entry(page, "export", target, rows, subjects, filters)


def log_print(settings: Settings | None, signed_in: Principal, acting: Principal, page_id: str,
              url_filters: dict | None = None) -> None:
    """A click on the sidebar's print button (app.py: no page context there): the page printed (its id, also
    for the landing page), with the filters in its address, in whose view."""
    filters = {**(url_filters or {}), "scope": acting.scope, "units": list(acting.unit_ids)}
    if signed_in.username != acting.username:
        filters["viewed_as"] = acting.username
    record(settings, signed_in.username, signed_in.role, "print", page_id, page_id, filters, 0)
