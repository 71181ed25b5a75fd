"""Admin / data-protection officer: the access log — search by user, action, page and time, the
flags (bulk exports, pupil data seen by a role without own groups, off-hours use), the export
register, the prunes (retention) and whether the hash chain and its anchors are intact. Reading the
log is itself logged."""

import datetime as dt

import polars as pl
import streamlit as st

from tilannekuva.i18n import fmt_date, fmt_number, t
from views import access_log as audit, loaders, session, widgets

principal = session.require_page("admin_access_log")
lang = session.language()
conf = session.settings()
log = audit.access_log(conf)

st.title(t("page.admin_access_log", lang))
chain = log.verify()
if chain.intact:
    st.success(t("accesslog.intact", lang))
else:
    key = "accesslog.broken" if chain.problem == "entry" else f"accesslog.broken_{chain.problem}"
    st.error(t(key, lang, entry=chain.entry_id, days=conf.access_log_retention_days))

pupil = st.text_input(t("accesslog.pupil", lang), key="al_pupil", help=t("accesslog.pupil_help", lang)).strip()
if pupil and not pupil.isdigit():
    st.warning(t("accesslog.pupil_bad", lang))
    pupil = ""
entries = log.entries(limit=20_000, pupil_id=int(pupil) if pupil else None)
frame = pl.DataFrame([{
    "entry_id": e.entry_id, "logged_at": dt.datetime.fromtimestamp(e.logged_at), "username": e.username,
    "role": e.role, "action": e.action, "target": e.target, "page": e.page,
    "filters": ", ".join(f"{k}={v}" for k, v in sorted(e.filters.items())), "rows": e.rows,
} for e in entries], schema={"entry_id": pl.Int64, "logged_at": pl.Datetime("us"), "username": pl.String,
                             "role": pl.String, "action": pl.String, "target": pl.String, "page": pl.String,
                             "filters": pl.String, "rows": pl.Int64})


def prunes() -> None:
    """Every prune (anchor) of the log; each is also a 'prune' entry in the chain."""
    st.header(t("accesslog.prunes_header", lang))
    st.caption(t("accesslog.prunes_note", lang, days=conf.access_log_retention_days))
    anchors = log.anchors()
    if not anchors:
        st.info(t("accesslog.no_prunes", lang))
        return
    widgets.show_table(pl.DataFrame({
        "#": [a.anchor_id for a in anchors],
        t("col.pruned_at", lang): [fmt_date(dt.datetime.fromtimestamp(a.pruned_at), lang, with_time=True)
                                   for a in anchors],
        t("col.last_entry", lang): [a.last_entry_id for a in anchors],
        t("col.removed", lang): [a.removed for a in anchors],
    }))


if frame.is_empty():
    st.info(t("accesslog.empty", lang))
    prunes()
    st.stop()

bulk = conf.bulk_export_rows
frame = frame.with_columns(
    flag_bulk=(pl.col("action") == "export") & (pl.col("rows") >= bulk),
    flag_off_hours=(pl.col("logged_at").dt.hour() < 7) | (pl.col("logged_at").dt.hour() >= 18)
    | (pl.col("logged_at").dt.weekday() >= 6),
    flag_outside=pl.col("target").is_in(["support_signals", "watch_list", "group_pupils"])
    & ~pl.col("role").is_in(["teacher", "principal"]),
)
left, middle, right = st.columns(3)
user = left.text_input(t("accesslog.user", lang), key="al_user").strip().lower()
actions = middle.multiselect(t("accesslog.action", lang), sorted(set(frame["action"])), key="al_actions")
days = right.number_input(t("accesslog.days", lang), min_value=1, max_value=3650, value=30, key="al_days")
text = st.text_input(t("accesslog.search", lang), key="al_text", help=t("accesslog.search_help", lang)).strip()
only_flagged = st.toggle(t("accesslog.only_flagged", lang), key="al_flagged")
shown = frame.filter(pl.col("logged_at") >= dt.datetime.now() - dt.timedelta(days=int(days)))
if user:
    shown = shown.filter(pl.col("username").str.to_lowercase().str.contains(user, literal=True))
if actions:
    shown = shown.filter(pl.col("action").is_in(actions))
if text:
    shown = shown.filter(pl.col("filters").str.contains(text, literal=True) | pl.col("page").str.contains(text, literal=True)
                         | pl.col("target").str.contains(text, literal=True))
if only_flagged:
    shown = shown.filter(pl.col("flag_bulk") | pl.col("flag_off_hours") | pl.col("flag_outside"))
loaders.log_access(principal, "view", "access_log", "admin_access_log",
                   {"user": user, "actions": ",".join(actions), "days": int(days), "text": text, "pupil": pupil},
                   shown.height)

widgets.kpi_row([
    (t("accesslog.entries", lang), fmt_number(shown.height, lang), None),
    (t("accesslog.flag_bulk", lang, rows=bulk), fmt_number(int(shown["flag_bulk"].sum()), lang), None),
    (t("accesslog.flag_outside", lang), fmt_number(int(shown["flag_outside"].sum()), lang), None),
    (t("accesslog.flag_off_hours", lang), fmt_number(int(shown["flag_off_hours"].sum()), lang), None),
])


def flags(row: dict) -> str:
    names = [t(f"accesslog.flag_{k}_short", lang) for k in ("bulk", "outside", "off_hours") if row[f"flag_{k}"]]
    return ", ".join(names)


table = shown.with_columns(
    pl.struct("flag_bulk", "flag_outside", "flag_off_hours").map_elements(flags, return_dtype=pl.String).alias("flags"),
    pl.col("logged_at").map_elements(lambda d: fmt_date(d, lang, with_time=True), return_dtype=pl.String),
).select(
    pl.col("entry_id").alias("#"), pl.col("logged_at").alias(t("col.time", lang)),
    pl.col("username").alias(t("col.user", lang)), pl.col("role").alias(t("col.role", lang)),
    pl.col("action").alias(t("col.action", lang)), pl.col("target").alias(t("col.target", lang)),
    pl.col("page").alias(t("col.page", lang)), pl.col("filters").alias(t("col.filters", lang)),
    pl.col("rows").alias(t("col.rows", lang)), pl.col("flags").alias(t("col.flags", lang)))
widgets.show_table(table, height=420)
widgets.downloads(table, key="access_log", filename="kayttoloki",
                  audit={"principal": principal, "target": "access_log", "page": "admin_access_log", "filters": {}})

st.header(t("accesslog.exports_header", lang))
exports = table.filter(pl.col(t("col.action", lang)) == "export")
if exports.is_empty():
    st.info(t("accesslog.no_exports", lang))
else:
    widgets.show_table(exports)

prunes()
