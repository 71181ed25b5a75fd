""""See what this user sees": an admin (a role with `may_view_as` in roles.yaml) renders the app as
another user — their scope, pages and suppression. The acting Principal then has `viewed_by` set:
the follow-up store refuses its writes and the downloads offer nothing. Checked on every run.

Two names for "who" everywhere: `signed_in` (who signed in: the access log names them) and `acting`
(whose view the pages show: the viewed user while an admin views as someone, else the signed-in user).
"""

from __future__ import annotations

import dataclasses
import logging

import streamlit as st

from tilannekuva.access import AccessError, NoRoleError, Principal
from views import access_log as audit
from views import stores
from views.signin import VIEW_AS_KEY, signed_in

log = logging.getLogger("tilannekuva.app")

SWITCHED_KEY = "tk_view_as_switched"      # started or stopped on this run: app.py opens the landing page


def viewed_user(admin: Principal) -> Principal | None:
    """The user `admin` is viewing the app as, if any (only a role that may view as; checked on every run)."""
    username = st.session_state.get(VIEW_AS_KEY)
    if not username:
        return None
    conf = stores.settings()
    if not admin.may_view_as or conf is None:
        st.session_state.pop(VIEW_AS_KEY, None)
        return None
    try:
        return dataclasses.replace(stores.principal_for(conf, username, username), viewed_by=admin.username)
    except (NoRoleError, AccessError):
        st.session_state.pop(VIEW_AS_KEY, None)
        return None


def acting() -> Principal | None:
    """Whose view the pages show: the signed-in user, or — while an admin views as someone — that user
    (with their scope, not the admin's). None unless the session is still active."""
    user = signed_in()
    if user is None:
        return None
    return viewed_user(user) or user


def start(admin: Principal, username: str) -> None:
    """Render the app as `username` sees it (scope, pages, suppression); logged."""
    if not admin.may_view_as:
        raise PermissionError(f"the role {admin.role} may not view as another user")
    conf = stores.settings()
    target = stores.principal_for(conf, username, username)
    st.session_state[VIEW_AS_KEY] = username
    st.session_state[SWITCHED_KEY] = True
    log.warning("%s started viewing as %s (%s)", admin.username, username, target.role)
    audit.record(conf, admin.username, admin.role, "view_as", username, "admin_users",
                 {"target_role": target.role, "target_scope": target.scope, "units": list(target.unit_ids),
                  "staff_id": target.staff_id}, 0)


def stop() -> None:
    st.session_state.pop(VIEW_AS_KEY, None)
    st.session_state[SWITCHED_KEY] = True


def switched() -> bool:
    """True once after a start or stop (app.py then opens that user's landing page)."""
    return bool(st.session_state.pop(SWITCHED_KEY, False))
