"""The Streamlit side of the access log (tilannekuva.audit): one AccessLog per deployment, and
the events pages and the sign-in write to it."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from tilannekuva.audit import AccessLog
from tilannekuva.settings import Settings


@st.cache_resource(show_spinner=False)
def _access_log(path: str, retention_days: float) -> AccessLog:
    return AccessLog(Path(path), retention_days=retention_days)


def access_log(settings: Settings) -> AccessLog:
    return _access_log(str(settings.state_dir / "access_log.sqlite"), settings.access_log_retention_days)


def record(settings: Settings | None, username: str, role: str, action: str, target: str, page: str,
           filters: dict, rows: int, subjects=()) -> None:
    if settings is not None:
        access_log(settings).record(username, role, action, target, page, filters, rows, subjects)
