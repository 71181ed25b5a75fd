"""LEGACY — the old home of sign-in, language, view-as and the page guard, now split by job:

- views/stores.py    settings() and the cached stores (security store, preferences, identity links)
- views/language.py  the session's language, the picker, the stored choice
- views/signin.py    password, cookie and single sign-on sign-in, the login page, logout, `signed_in()`
- views/view_as.py   "see what this user sees": start, stop, the viewed user, `acting()`
- views/context.py   `open_page(page_id)`: the guard every moved page calls

Everything below is kept only for the pages not yet moved to `open_page`; nothing new may use it.
legacy: removed after the page moves (the lead deletes this module after the issue 17 merge).
"""

from __future__ import annotations

import logging

import streamlit as st

from tilannekuva.access import Principal
from tilannekuva.i18n import t
from views import view_as
from views.language import language  # noqa: F401 - legacy: removed after the page moves
from views.signin import PRINCIPAL_KEY, TOKEN_KEY, signed_in  # noqa: F401 - legacy: views/widgets.py
from views.stores import identity_links, security_store, settings  # noqa: F401 - legacy: removed after the page moves

log = logging.getLogger("tilannekuva.app")

EXPORT_CONTEXT = "tk_export_context"    # legacy: this run's page id and filters, for views/widgets.py's exports


def signed_in_principal() -> Principal | None:
    """legacy: removed after the page moves (use `page.signed_in`)."""
    return signed_in()


def start_view_as(admin: Principal, username: str) -> None:
    """legacy: removed after the page moves (use `view_as.start`)."""
    view_as.start(admin, username)


def require_page(page_id: str) -> Principal:
    """legacy: removed after the page moves (use `views.context.open_page`). The guard of a page not yet
    moved: stop unless a signed-in user's role grants this page; the acting Principal."""
    acting = view_as.acting()
    lang = language()
    if acting is None:
        log.warning("page %s requested without a signed-in user", page_id)
        st.warning(t("guard.sign_in", lang))
        st.stop()
    if not acting.may_open(page_id):
        log.warning("page %s refused to %s (%s)", page_id, acting.username, acting.role)
        st.error(t("guard.forbidden", lang))
        st.stop()
    # What the page's exports say of themselves (title, filters); the filters add to it as they run.
    st.session_state[EXPORT_CONTEXT] = {"page": page_id, "principal": acting, "filters": {}}
    return acting
