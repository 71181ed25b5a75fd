"""The language a session renders in: chosen in the sidebar, else the user's stored choice, else the
browser's, else Finnish. A signed-in user's choice is stored (views.stores.preferences)."""

from __future__ import annotations

import streamlit as st

from tilannekuva.access import Principal
from tilannekuva.i18n import DEFAULT_LANGUAGE, LANGUAGES, normalise_language, t
from tilannekuva.statedb import StateUnavailable
from views import stores

LANG_KEY = "tk_lang"
LANG_CHOSEN_KEY = "tk_lang_chosen"      # the user picked a language in this session
LANG_APPLIED_KEY = "tk_lang_applied"    # the username whose stored language this session applied
PICKER_KEY = "tk_lang_picker"
NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}     # each language named in itself


def _browser_locale() -> str | None:
    """The browser's locale (outside a browser session st.context may not have it)."""
    value = getattr(st.context, "locale", None)
    return value if isinstance(value, str) and value else None


def language() -> str:
    """The user's language: chosen in the sidebar, else the browser's, else Finnish."""
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = normalise_language(_browser_locale() or DEFAULT_LANGUAGE)
    return st.session_state[LANG_KEY]


def language_picker(signed_in: Principal | None) -> None:
    """The language select; the choice of a signed-in user is stored for their next sign-in."""
    st.session_state[PICKER_KEY] = language()     # also after a stored preference was applied
    st.sidebar.selectbox(t("app.language", language()), LANGUAGES, format_func=NAMES.get, key=PICKER_KEY,
                         placeholder=t("filter.choose", language()),
                         on_change=_language_picked, args=(signed_in.username if signed_in else None,))


def _language_picked(username: str | None) -> None:
    """Runs before the script (a widget callback), so the whole run is already in the new language."""
    choice = st.session_state[PICKER_KEY]
    st.session_state[LANG_KEY] = choice
    st.session_state[LANG_CHOSEN_KEY] = True
    conf = stores.settings_or_none()
    if username is not None and conf is not None:
        try:
            stores.preferences(conf).set_language(username, choice)
        except StateUnavailable as exc:     # this session still switches; the choice is not remembered
            stores.log.error("the state database is unavailable, language choice not stored: %s", exc)


def remember_language(signed_in: Principal) -> str:
    """Once per sign-in: apply the user's stored language, or — if they picked one on the login
    page — store that one. Returns the language to render in."""
    if st.session_state.get(LANG_APPLIED_KEY) != signed_in.username:
        st.session_state[LANG_APPLIED_KEY] = signed_in.username
        conf = stores.settings()
        if conf is not None:
            store = stores.preferences(conf)
            if st.session_state.get(LANG_CHOSEN_KEY):
                store.set_language(signed_in.username, language())
            elif (stored := store.language(signed_in.username)) is not None:
                st.session_state[LANG_KEY] = stored
    return language()
