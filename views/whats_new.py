""""Mitä uutta" near the top of every role's landing page: what changed in the user's own scope since
their previous visit — new and cleared support signals, absence-threshold crossings, follow-up marks,
strategy metrics whose light changed or value moved, and the data loads — each a count with a link to
the exact filtered view where it can be looked at.

The snapshot is taken exactly as the digests take it (tilannekuva.whatsnew.take, the same rules and
kinds), but read through this page's cached loaders: the acting principal's scope, the same suppression,
the same numbers. The baseline is the user's previous visit (tilannekuva.notifications: a new session
starts a visit, a reload keeps its news). An admin viewing as the user only peeks at it: the user's
news stay theirs. No pupil is named here; the linked page lists them, and its views are logged.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl

import streamlit as st

from tilannekuva import metrics, whatsnew
from tilannekuva.i18n import fmt_date
from tilannekuva.inert import md
from views import loaders, stores
from views.context import PageContext


def snapshot(page: PageContext, rules: whatsnew.Rules) -> whatsnew.Snapshot:
    """The acting user's snapshot of every kind they may be told of, read through the page's cached loaders
    (what tilannekuva.digest.Runner.snapshot reads through Warehouse.fetch)."""
    conf = page.settings
    return whatsnew.take(lambda query, **params: loaders.frame(page, query, **params), page.acting,
                         rules.kinds_for(page.acting), version=loaders.warehouse().version,
                         concern_hours=conf.absence_concern_hours, serious_hours=conf.absence_serious_hours,
                         goal=metrics.targets(conf.targets), followups=loaders.followups())


def target(change: whatsnew.Change, pages: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """The page script and query parameters of a change's link ('' or '?…' is the landing page)."""
    path, _, query = change.link.partition("?")
    return f"pages/{path or pages[0]}.py", dict(parse_qsl(query))


def section(page: PageContext) -> None:
    """The "Mitä uutta" block: the changes since the previous visit grouped by kind, or what to expect."""
    rules = whatsnew.rules(page.settings.notifications)
    if not rules.kinds_for(page.acting):
        return
    store, user = stores.notifications(page.settings), page.acting.username
    current = snapshot(page, rules)
    if page.acting.read_only:       # an admin seeing what this user sees: the user's news are not used up
        baseline, at = store.peek(user), store.previous_visit(user)
    else:
        baseline = store.visit(user, page.session_id or "", current)
        at = store.previous_visit(user, page.session_id or "")
    previous = dt.datetime.fromtimestamp(at) if at is not None else None   # the previous visit (None: none)
    with st.container(border=True, key="whats_new"):
        st.header(page.t("whatsnew.page.title"), anchor=False)   # h2 under the page title
        if page.acting.read_only:
            st.caption(page.t("whatsnew.page.view_as"))
        if baseline is None:
            st.info(page.t("whatsnew.page.first_visit"))
            return
        found = whatsnew.changes(baseline, current, rules)
        if not found:
            st.success(page.t("whatsnew.page.nothing_new", time=fmt_date(previous, page.lang, with_time=True)))
            return
        st.markdown(page.t("whatsnew.page.count", count=len(found), time=fmt_date(previous, page.lang, with_time=True)))
        for kind in rules.kinds:
            mine = [c for c in found if c.kind == kind]
            if not mine:
                continue
            st.markdown(page.t("whatsnew.page.kind_heading", kind=page.t(f"whatsnew.page.kind.{kind}"),
                               count=len(mine)))
            for change in mine:
                script, params = target(change, current.pages)
                st.page_link(script, label=md(change.text(page.lang)), query_params=params,
                             icon=":material/arrow_forward:")
        st.caption(page.t("whatsnew.page.no_names"))
