"""Admin / data-protection officer: the access log — search by user, action, page and time, the
flags (bulk exports, pupil data seen by a role without own pupils, off-hours use), the export
register, the prunes (retention) and whether the hash chain and its anchors are intact. Reading the
log is itself logged."""

import polars as pl
import streamlit as st

from tilannekuva.access import load_policy
from tilannekuva.audit_events import Action, Target, entries_frame, flagged, roles_with_own_pupils, search
from tilannekuva.i18n import fmt_number
from views import access_review, labels, sections, tables
from views.access_log import access_log, log_view
from views.context import open_page

LOG_COLUMNS = {"entry_id": "col.number", "logged_at": ("col.time", "datetime"), "username": "col.user",
               "role": "col.role", "action": "col.action", "target": "col.log_target", "page": "col.page",
               "filters": "col.filters", "rows": "col.rows", "flags": "col.flags"}
FLAG_NAMES = {"flag_bulk": "accesslog.flag_bulk_short", "flag_outside": "accesslog.flag_outside_short",
              "flag_off_hours": "accesslog.flag_off_hours_short"}

page = open_page("admin_access_log")
log = access_log(page.settings)
st.title(page.t("page.admin_access_log"))
access_review.chain_status(page, log)
pupil = access_review.pupil_filter(page)
bulk = page.settings.bulk_export_rows
entries = flagged(entries_frame(log.entries(limit=20_000, pupil_id=pupil)), bulk_rows=bulk,
                  roles_with_own_pupils=roles_with_own_pupils(load_policy(page.settings.roles_file)))

if entries.is_empty():
    st.info(page.t("accesslog.empty"))
else:
    asked = access_review.search_filters(page, sorted(set(entries["action"])))
    shown = search(entries, since=asked.since, user=asked.user, actions=asked.actions, text=asked.text,
                   only_flagged=asked.only_flagged)
    log_view(page, Target.ACCESS_LOG, shown.height, filters={
        "user": asked.user, "actions": ",".join(asked.actions), "days": asked.days, "text": asked.text,
        "pupil": "" if pupil is None else str(pupil)})

    def count(column: str) -> str:
        return fmt_number(int(shown[column].sum()), page.lang)

    sections.kpi_row([(page.t("accesslog.entries"), fmt_number(shown.height, page.lang), None),
                      (page.t("accesslog.flag_bulk", rows=bulk), count("flag_bulk"), None),
                      (page.t("accesslog.flag_outside"), count("flag_outside"), None),
                      (page.t("accesslog.flag_off_hours"), count("flag_off_hours"), None)])
    table = tables.table(shown.with_columns(flags=labels.names_of_true(FLAG_NAMES, page.lang)), LOG_COLUMNS, page.lang)
    tables.show(table, height=420)
    tables.downloads(page, table, key="access_log", filename="kayttoloki", target=Target.ACCESS_LOG)

    st.header(page.t("accesslog.exports_header"))
    exports = table.filter(pl.col(page.t("col.action")) == Action.EXPORT.value)
    if exports.is_empty():
        st.info(page.t("accesslog.no_exports"))
    else:
        tables.show(exports)

access_review.prunes(page, log)
