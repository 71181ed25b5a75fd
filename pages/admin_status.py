"""Admin: what the served warehouse holds — each source's data date, rhythm, threshold and whether it is up
to date (a stale one named in a warning at the top) with the metrics reading it, row counts per table, and
how many cells the suppression rule hid, per query, since the server started; the digests by e-mail and
Teams: the deliveries that fail (user, channel, period, attempts, next try, last error) and each role's
default of how often its users are told of each kind of change."""

import polars as pl
import streamlit as st

from tilannekuva.access import load_policy
from tilannekuva.i18n import fmt_number
from tilannekuva.inert import md
from tilannekuva.queries import load_query
from views import labels, loaders, source_status, stores, tables, whats_new
from views import notification_sections as notify
from views.context import open_page

page = open_page("admin_status")
st.title(page.t("page.admin_status"))
st.caption(page.t("admin.version", version=md(loaders.warehouse().version)))

sources = source_status.judged(page)
source_status.stale_warning(page, sources)
notify.failing_warning(page, stores.notifications(page.settings))
whats_new.section(page)

st.header(page.t("admin.sources"))
source_status.sources_table(page, sources)

st.header(page.t("admin.tables"))
counts = loaders.frame(page, "table_row_counts")
st.metric(page.t("admin.total_rows"), fmt_number(counts["row_count"].sum(), page.lang))
tables.show(tables.table(counts.with_columns(technical=pl.col("table_name")), {   # what it holds, then its name
    "table_name": ("col.contents", "label:wtable"), "row_count": "col.rows", "technical": "col.technical_name"},
    page.lang))

st.header(page.t("admin.suppression_header"))
st.markdown(page.t("admin.suppression_settings", threshold=page.settings.suppression_threshold))
if not (stats := loaders.suppression_counts()):
    st.info(page.t("admin.suppression_none"))
else:
    pages = labels.words("page", page.lang)
    hidden = pl.DataFrame([{"query": q, "page": ", ".join(pages.get(p.strip(), p.strip())
                                                          for p in load_query(q).page.split(",")),
                            "loads": n, "hidden": h} for q, (n, h) in sorted(stats.items())])
    tables.show(tables.table(hidden, {"query": ("col.figure", "label:query"), "page": "col.pages",
                                      "loads": "col.loads", "hidden": "col.hidden_cells"}, page.lang))

st.header(page.t("notify.admin_header"))         # after every data load: did the digests reach everyone?
st.subheader(page.t("notify.failing_header"))
notify.failing(page, stores.notifications(page.settings))
st.subheader(page.t("notify.defaults_header"))
notify.role_defaults(page, stores.notifications(page.settings), notify.rules(page), load_policy(page.settings.roles_file))
