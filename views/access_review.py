"""The admin's review of the access log (pages/admin_access_log.py): whether the hash chain is intact,
the search inputs, and the prunes (retention). The entries' flags and the search itself are rules of
the core (tilannekuva.audit_events); writing entries is views/access_log.py's job."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
import streamlit as st

from tilannekuva.audit import AccessLog
from views import tables
from views.context import PageContext


@dataclasses.dataclass(frozen=True)
class LogSearch:
    user: str
    actions: list[str]
    days: int
    text: str
    only_flagged: bool

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.now() - dt.timedelta(days=self.days)


def chain_status(page: PageContext, log: AccessLog) -> None:
    """'The log is intact', or what broke and where."""
    chain = log.verify()
    if chain.intact:
        st.success(page.t("accesslog.intact"))
    else:
        key = "accesslog.broken" if chain.problem == "entry" else f"accesslog.broken_{chain.problem}"
        st.error(page.t(key, entry=chain.entry_id, days=page.settings.access_log_retention_days))


def pupil_filter(page: PageContext) -> int | None:
    """'Who has seen this pupil?': a pupil id, or None (a warning for anything but digits)."""
    pupil = st.text_input(page.t("accesslog.pupil"), key="al_pupil", help=page.t("accesslog.pupil_help")).strip()
    if pupil and not pupil.isdigit():
        st.warning(page.t("accesslog.pupil_bad"))
        return None
    return int(pupil) if pupil else None


def search_filters(page: PageContext, actions: list[str]) -> LogSearch:
    """The search inputs: user, actions (of those in the log), days back, free text, only the flagged."""
    left, middle, right = st.columns(3)
    user = left.text_input(page.t("accesslog.user"), key="al_user").strip().lower()
    chosen = middle.multiselect(page.t("accesslog.action"), actions, key="al_actions")
    days = right.number_input(page.t("accesslog.days"), min_value=1, max_value=3650, value=30, key="al_days")
    text = st.text_input(page.t("accesslog.search"), key="al_text", help=page.t("accesslog.search_help")).strip()
    only_flagged = st.toggle(page.t("accesslog.only_flagged"), key="al_flagged")
    return LogSearch(user, chosen, int(days), text, only_flagged)


def prunes(page: PageContext, log: AccessLog) -> None:
    """Every prune (anchor) of the log; each is also a 'prune' entry in the chain."""
    st.header(page.t("accesslog.prunes_header"))
    st.caption(page.t("accesslog.prunes_note", days=page.settings.access_log_retention_days))
    anchors = log.anchors()
    if not anchors:
        st.info(page.t("accesslog.no_prunes"))
        return
    frame = pl.DataFrame({"anchor_id": [a.anchor_id for a in anchors],
                          "pruned_at": [dt.datetime.fromtimestamp(a.pruned_at) for a in anchors],
                          "last_entry_id": [a.last_entry_id for a in anchors], "removed": [a.removed for a in anchors]})
    tables.show(tables.table(frame, {"anchor_id": "col.number", "pruned_at": ("col.pruned_at", "datetime"),
                                     "last_entry_id": "col.last_entry", "removed": "col.removed"}, page.lang))
