"""Admin / data-protection officer: the access log — search by user, action, page and time, the
flags (bulk exports, pupil data seen by a role without own pupils, off-hours use), the export
register, the prunes (retention) and whether the hash chain and its anchors are intact. Reading the
log is itself logged."""

import streamlit as st

from tilannekuva.audit_events import Target, search
from views import access_review
from views.access_log import access_log, log_view
from views.context import open_page

page = open_page("admin_access_log")
log = access_log(page.settings)
st.title(page.t("page.admin_access_log"))
access_review.chain_status(page, log)
pupil = access_review.pupil_filter(page)

if (entries := access_review.flagged_entries(page, log, pupil)).is_empty():
    st.info(page.t("accesslog.empty"))
else:
    asked = access_review.search_filters(page, sorted(set(entries["action"])))
    shown = search(entries, since=asked.since, user=asked.user, actions=asked.actions, text=asked.text,
                   only_flagged=asked.only_flagged)
    log_view(page, Target.ACCESS_LOG, shown.height, filters=asked.log_filters(pupil))
    access_review.flag_counts(page, shown)
    table = access_review.entries_table(page, shown)
    access_review.exports(page, table)

access_review.prunes(page, log)
