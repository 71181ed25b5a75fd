"""The settings and the stores a Streamlit session shares with every other: one of each per process.

- `settings()` — configuration (None after showing a configuration error);
- `security_store(settings)` — server-side sessions and failed-login throttling (tilannekuva.security);
- `preferences(settings)` — each user's stored language (tilannekuva.preferences);
- `identity_links(settings)` — single sign-on identity → user links (tilannekuva.identities);
- `principal_for(settings, username, name)` — a user's Principal from roles.yaml and the users file;
- `display_names(settings)` — each user's name as people know it (the user directory);
- `notifications(settings)` — visits ("Mitä uutta"), choices and digest deliveries (tilannekuva.notifications).
"""

from __future__ import annotations

import logging

import streamlit as st

from tilannekuva.access import Principal, build_principal, load_policy, load_users
from tilannekuva.i18n import t
from tilannekuva.identities import IdentityLinks
from tilannekuva.notifications import Notifications
from tilannekuva.preferences import Preferences
from tilannekuva.security import SecurityStore
from tilannekuva.settings import ConfigError, Settings, load_settings, use_city_time
from tilannekuva.statedb import for_settings
from tilannekuva.useradmin import directory
from views.cache_keys import KEYED

log = logging.getLogger("tilannekuva.app")


def configure_logging() -> None:
    root = logging.getLogger("tilannekuva")
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)


@st.cache_resource(show_spinner=False)
def _settings() -> Settings:
    """Loaded once per process; the process's local time becomes the city's (settings.use_city_time)."""
    settings = load_settings()
    use_city_time(settings.timezone)
    return settings


def settings() -> Settings | None:
    """The settings, or None after showing the configuration error (logged)."""
    try:
        return _settings()
    except ConfigError as exc:
        from views.language import language

        log.error("configuration error: %s", exc)
        st.error(t("error.config", language()))
        return None


def settings_or_none() -> Settings | None:
    """The settings, or None without showing anything (for the client address and the like)."""
    try:
        return _settings()
    except ConfigError:
        return None


@st.cache_resource(show_spinner=False, hash_funcs=KEYED)
def security_store(settings: Settings) -> SecurityStore:
    return SecurityStore(for_settings(settings, "security"), settings.failed_login_limit_user,
                         settings.failed_login_limit_client, settings.failed_login_window_minutes * 60,
                         settings.failed_login_limit_account, settings.session_idle_minutes * 60)


@st.cache_resource(show_spinner=False, hash_funcs=KEYED)
def preferences(settings: Settings) -> Preferences:
    return Preferences(for_settings(settings, "preferences"))


@st.cache_resource(show_spinner=False, hash_funcs=KEYED)
def notifications(settings: Settings) -> Notifications:
    """Each user's visits (the baseline of "Mitä uutta"), choices and digest deliveries (the state's
    notifications store: data/state/notifications.sqlite, or tk_notifications in PostgreSQL)."""
    return Notifications(for_settings(settings, "notifications"))


@st.cache_resource(show_spinner=False, hash_funcs=KEYED)
def identity_links(settings: Settings) -> IdentityLinks:
    """Single sign-on identity → user links and pending link requests (tilannekuva.identities)."""
    return IdentityLinks(for_settings(settings, "identities"))


def principal_for(settings: Settings, username: str, name: str) -> Principal:
    """The Principal of `username` as roles.yaml and the users file say now (raises AccessError/NoRoleError)."""
    policy = load_policy(settings.roles_file)
    return build_principal(username, name, load_users(settings.users_file), policy)


def display_names(settings: Settings) -> dict[str, str]:
    """username -> the person's name from the user directory (tilannekuva.useradmin.directory), so a mark reads
    'Opettaja Demo', not 'opettaja'. A user with no name there keeps the username."""
    return {user: entry.name for user, entry in directory(settings.users_file, settings.credentials_file).items()
            if entry.name}
