"""The admin's review of the access log (pages/admin_access_log.py): whether the hash chain is intact,
the search inputs, the entries with their flags, the export register and the prunes (retention). The entries' flags and the search itself are rules of
the core (tilannekuva.audit_events); writing entries is views/access_log.py's job."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
import streamlit as st

from tilannekuva.access import load_policy
from tilannekuva.audit import AccessLog
from tilannekuva.audit_events import Action, Target, entries_frame, flagged, roles_with_own_pupils
from tilannekuva.i18n import fmt_number
from views import labels, loaders, sections, tables
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

    def log_filters(self, pupil: int | None) -> dict:
        """The search as the filters of the access-log entry that records reading the log."""
        return {"user": self.user, "actions": ",".join(self.actions), "days": self.days, "text": self.text,
                "pupil": "" if pupil is None else str(pupil)}


LOG_COLUMNS = {"entry_id": "col.number", "logged_at": ("col.time", "datetime"), "username": "col.user",
               "role": ("col.role", "label:role"), "action": ("col.action", "label:action"),
               "target": ("col.log_target", "label:target"), "page": "col.page",
               "filters_text": "col.filters_text", "rows": "col.rows", "flags": "col.flags"}
FLAG_NAMES = {"flag_bulk": "accesslog.flag_bulk_short", "flag_outside": "accesslog.flag_outside_short",
              "flag_off_hours": "accesslog.flag_off_hours_short"}


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
    names = labels.words("action", page.lang)
    chosen = middle.multiselect(page.t("accesslog.action"), actions, key="al_actions", placeholder=page.t("filter.choose"),
                                format_func=lambda code: names.get(code, code))
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


def flagged_entries(page: PageContext, log: AccessLog, pupil: int | None) -> pl.DataFrame:
    """The latest 20,000 entries (only those about `pupil`, if given) with their flags: bulk exports, pupil
    data seen by a role without own pupils, off-hours use."""
    policy = load_policy(page.settings.roles_file)
    units = loaders.frame(page, "units_in_scope")
    names = dict(zip(units["unit_id"].to_list(), units["name"].to_list(), strict=True))
    return flagged(entries_frame(log.entries(limit=20_000, pupil_id=pupil), page.lang, names), bulk_rows=page.settings.bulk_export_rows,
                   roles_with_own_pupils=roles_with_own_pupils(policy))


def flag_counts(page: PageContext, shown: pl.DataFrame) -> None:
    """The entries found and how many of them carry each flag, as KPI cards."""
    bulk = page.settings.bulk_export_rows

    def count(column: str) -> str:
        return fmt_number(int(shown[column].sum()), page.lang)

    sections.kpi_row([(page.t("accesslog.entries"), fmt_number(shown.height, page.lang), None),
                      (page.t("accesslog.flag_bulk", rows=bulk), count("flag_bulk"), None),
                      (page.t("accesslog.flag_outside"), count("flag_outside"), None),
                      (page.t("accesslog.flag_off_hours"), count("flag_off_hours"), None)])


def entries_table(page: PageContext, shown: pl.DataFrame) -> pl.DataFrame:
    """The entries found, their flags named, with logged downloads; returns the table as shown."""
    # A sign-in's "page" is how it happened (form, cookie, single sign-on, sign-out): in words, like page names.
    where = pl.when(pl.col("target") == Target.SESSION.value).then(labels.label("page", "logmethod", page.lang)) \
        .otherwise(labels.label("page", "page", page.lang)).alias("page")
    table = tables.table(shown.with_columns(where, flags=labels.names_of_true(FLAG_NAMES, page.lang)), LOG_COLUMNS,
                         page.lang)
    tables.show(table, grid=True, height=420)     # up to 20 000 entries: the page's one grid (views.tables.show)
    tables.downloads(page, table, key="access_log", filename="kayttoloki", target=Target.ACCESS_LOG)
    return table


def exports(page: PageContext, table: pl.DataFrame) -> None:
    """The export register: the rows of the entries table that are exports (the table shows actions in
    words: it is found by its words — comparing with the code 'export' found none, so the register always
    said nothing had been downloaded)."""
    st.header(page.t("accesslog.exports_header"))
    found = table.where(pl.col(page.t("col.action")) == page.t(f"action.{Action.EXPORT.value}"))
    if found.is_empty():
        st.info(page.t("accesslog.no_exports"))
    else:
        tables.show(found)
