"""The page "Ilmoitukset" (pages/my_notifications.py) and the admin's notification sections on the status page
(pages/admin_status.py): how often each user is told of each kind of change and where (e-mail, Teams), the
admin's defaults per role, and the deliveries that fail.

What is stored is tilannekuva.notifications (one SQLite file in the state directory); what a choice means and
how a delivery reads in words is tilannekuva.notification_choices. While an admin views the app as someone
(`page.acting.read_only`) every widget is disabled and nothing is saved — the store refuses too.
"""

from __future__ import annotations

import logging
import time

import polars as pl
import streamlit as st

from tilannekuva import delivery, whatsnew
from tilannekuva import notification_choices as choices
from tilannekuva.access import Policy
from tilannekuva.i18n import fmt_number
from tilannekuva.inert import md
from tilannekuva.notifications import Notifications
from tilannekuva.useradmin import Person, directory
from tilannekuva.whatsnew import FREQUENCIES
from views import stores, tables
from views.context import PageContext

log = logging.getLogger("tilannekuva.app")

SAVED = "tk_notify_saved"            # session state: which form was just saved and how many changed (told after the rerun)
TEAMS_KEY = "tk_notify_teams"        # the Teams address field (emptied after a save: the address is a secret)
WEEK = 7 * 24 * 3600
PER_ROW = 3                          # the admin's selects per row (five in a row cut their texts)
FAILING_COLUMNS = {"username": "col.user", "name": "col.name", "channel": ("notify.col.channel", "label:notify.channel"),
                   "period": "notify.col.period", "attempts": "notify.col.attempts",
                   "next_try": ("notify.col.next_try", "datetime"), "status": ("col.status", "label:notify.status"),
                   "error": "notify.col.error"}


def rules(page: PageContext) -> whatsnew.Rules:
    """The rules file with the settings' [notifications] overrides."""
    return whatsnew.rules(page.settings.notifications)


def _frequency_select(page: PageContext, kind: str, value: str, key: str):
    return st.selectbox(page.t(f"notify.kind.{kind}"), FREQUENCIES, index=FREQUENCIES.index(value), key=key, disabled=page.acting.read_only,
                        format_func=lambda f: page.t(f"notify.freq.{f}"), placeholder=page.t("filter.choose"))


def _saved_message(page: PageContext, form: str) -> None:
    if (saved := st.session_state.get(SAVED)) and saved[0] == form:
        st.session_state.pop(SAVED)
        st.success(page.t(f"notify.saved_{form}", count=fmt_number(saved[1], page.lang)))


# ------------------------------------------------------------------------------------- the user's own page


def frequencies(page: PageContext, notes: Notifications, found: whatsnew.Rules) -> None:
    """One select per kind the user's role can be told of (in the rules' order), with what it means and
    where the value in force comes from (own choice, the admin's default for the role, the rules file).
    Saving stores only the kinds the user changed."""
    user = page.acting
    now, own, role = notes.frequencies(user, found), notes.own_choices(user.username), notes.role_defaults(user.role)
    _saved_message(page, "kinds")
    _saved_message(page, "reset")
    with st.form("tk_notify_kinds", border=False):
        chosen = {}
        for kind in found.kinds_for(user):
            select, meaning = st.columns([2, 3], vertical_alignment="bottom")
            with select:
                chosen[kind] = _frequency_select(page, kind, now[kind], f"tk_notify_{kind}")
            origin = "own" if kind in own else "role" if kind in role else "rules"
            meaning.caption(page.t(f"notify.about.{kind}") + " " + page.t(f"notify.origin.{origin}"))
        pressed = st.form_submit_button(page.t("notify.save"), type="primary", disabled=user.read_only,
                                        key="tk_notify_save_kinds")
    if own and st.button(page.t("notify.reset"), key="tk_notify_reset", disabled=user.read_only,
                         help=page.t("notify.reset_help")) and not user.read_only:
        forgotten = notes.clear_choices(user)
        for kind in chosen:                    # the selects show the defaults, not what they held in this session
            st.session_state.pop(f"tk_notify_{kind}", None)
        log.info("%s went back to the default notification frequencies (%d own choices forgotten)", user.username,
                 forgotten)
        st.session_state[SAVED] = ("reset", forgotten)
        st.rerun()
    if pressed and not user.read_only:
        changed = choices.changed(now, chosen)
        for kind, frequency in changed.items():
            notes.set_frequency(user, kind, frequency)
        remember_language(page)
        log.info("%s changed their notification frequencies: %s", user.username, changed)
        st.session_state[SAVED] = ("kinds", len(changed))
        st.rerun()


def remember_language(page: PageContext) -> None:
    """The digests speak the language the user reads the app in: a user who never picked one in the sidebar
    (the browser's language chose it) has it stored when they save their choices here."""
    prefs = stores.preferences(page.settings)
    if prefs.language(page.acting.username) is None:
        prefs.set_language(page.acting.username, page.lang)


def channels(page: PageContext, notes: Notifications) -> None:
    """E-mail on or off (to the user directory's address, shown; why it cannot be sent when it cannot) and
    the Teams workflow address: checked by delivery.check_teams_url before anything is stored, shown masked."""
    user, settings = page.acting, page.settings
    person = directory(settings.users_file, settings.credentials_file).get(user.username, Person())
    chosen = notes.channels(user.username)
    blocker = choices.email_blocker(person.email, settings.smtp_host)
    if st.session_state.get(SAVED, ("",))[0] == "channels":
        st.session_state[TEAMS_KEY] = ""          # the secret does not stay in the field after a save
    _saved_message(page, "channels")
    with st.form("tk_notify_channels", border=False):
        st.subheader(page.t("notify.email_header"))
        if blocker:
            st.warning(page.t(f"notify.email_{blocker}"))
        else:
            st.markdown(page.t("notify.email_to", address=md(person.email)))
        email = st.toggle(page.t("notify.email_on"), value=chosen.email, key="tk_notify_email",
                          disabled=user.read_only or blocker is not None)
        st.subheader(page.t("notify.teams_header"))
        st.markdown(page.t("notify.teams_howto"))
        if chosen.teams_url:
            st.markdown(page.t("notify.teams_saved", address=md(choices.masked(chosen.teams_url))))
        else:
            st.caption(page.t("notify.teams_none"))
        typed = st.text_input(page.t("notify.teams_address"), key=TEAMS_KEY, type="password",
                              disabled=user.read_only, help=page.t("notify.teams_keep"))
        remove = bool(chosen.teams_url) and st.checkbox(page.t("notify.teams_remove"), key="tk_notify_teams_remove",
                                                        disabled=user.read_only)
        pressed = st.form_submit_button(page.t("notify.save"), type="primary", disabled=user.read_only,
                                        key="tk_notify_save_channels")
    if not pressed or user.read_only:
        return
    teams = "" if remove else chosen.teams_url
    keep_email = chosen.email if blocker else email          # a disabled toggle does not switch e-mail off
    if typed.strip():
        try:
            teams = delivery.check_teams_url(typed.strip(), settings)
        except ValueError as exc:
            log.warning("%s: a Teams address to host %r was refused: %s", user.username,
                        choices.host_of(typed.strip()), exc)
            reason = exc.key if isinstance(exc, delivery.TeamsAddressError) else "delivery.teams_error.malformed"
            if keep_email != chosen.email:                   # the e-mail switch is saved all the same
                notes.set_channels(user, keep_email, chosen.teams_url)
            st.error(page.t("notify.teams_refused", reason=page.t(reason), hosts=md(", ".join(settings.teams_hosts))))
            return
    notes.set_channels(user, keep_email, teams)
    remember_language(page)
    log.info("%s saved their digest channels (e-mail %s, Teams %s)", user.username, keep_email, bool(teams))
    st.session_state[SAVED] = ("channels", int(keep_email != chosen.email) + int(teams != chosen.teams_url))
    st.rerun()


def schedule(page: PageContext, found: whatsnew.Rules) -> None:
    """When the digests go out, and that pupils' names never travel."""
    st.markdown(page.t("notify.schedule", hour=fmt_number(found.hour, page.lang),
                       weekday=md(choices.weekday_name(found.weekday, page.lang))))
    st.markdown(page.t("notify.no_names"))


# ------------------------------------------------------------------------------------- the admin's sections


def role_defaults(page: PageContext, notes: Notifications, found: whatsnew.Rules, policy: Policy) -> None:
    """Role × kind: how often a user of the role is told unless they chose themselves (only the kinds the
    role can get). Saved with the admin as `by`; only changed values are stored."""
    st.markdown(page.t("notify.defaults_help"))
    _saved_message(page, "defaults")
    current = {}
    with st.form("tk_notify_defaults", border=False):
        chosen = {}
        for role in policy.roles:
            kinds = found.kinds_for_role(role)
            if not kinds:
                continue
            stored = notes.role_defaults(role)
            st.subheader(page.t(f"role.{role}"))
            columns = [c for _ in range(0, len(kinds), PER_ROW) for c in st.columns(PER_ROW)]  # rows of three
            for column, kind in zip(columns, kinds, strict=False):
                current[(role, kind)] = stored.get(kind) or found.defaults[kind]
                with column:
                    chosen[(role, kind)] = _frequency_select(page, kind, current[(role, kind)], f"tk_notify_default_{role}_{kind}")
        pressed = st.form_submit_button(page.t("notify.defaults_save"), type="primary", disabled=page.acting.read_only,
                                        key="tk_notify_save_defaults")
    if pressed and not page.acting.read_only:
        changed = {key: value for key, value in chosen.items() if current[key] != value}
        for (role, kind), frequency in changed.items():
            notes.set_role_default(role, kind, frequency, by=page.acting)
        log.info("%s changed the notification defaults: %s", page.acting.username, changed)
        st.session_state[SAVED] = ("defaults", len(changed))
        st.rerun()


def failing_warning(page: PageContext, notes: Notifications) -> None:
    """At the top of the status page: how many deliveries are failing (the list is further down)."""
    if found := notes.failing():
        st.warning(page.t("notify.failing_top", count=fmt_number(len(found), page.lang)),
                   icon=":material/mail_lock:")


def failing(page: PageContext, notes: Notifications) -> None:
    """The deliveries that failed, stalled or were given up: user, channel, period in words, attempts, the
    next try (local time), the last error (as data in a table cell: a relay's reply is hostile text) and
    whether it will be retried. None: a line saying so, with the deliveries sent in the last 7 days."""
    found = notes.failing()
    sent = choices.sent_since(notes, time.time() - WEEK)
    if not found:
        st.success(page.t("notify.all_through", count=fmt_number(sent, page.lang)))
        return
    st.warning(page.t("notify.failing_count", count=len(found)))
    st.caption(page.t("notify.failing_help") + " " + page.t("notify.sent_week", count=fmt_number(sent, page.lang)))
    names = stores.display_names(page.settings)
    frame = pl.DataFrame([{
        "username": d.username, "name": names.get(d.username, d.username), "channel": d.channel,
        "period": choices.period_text(d.period, page.lang), "attempts": d.attempts, "next_try": choices.next_try(d),
        "status": choices.status_of(d), "error": d.last_error} for d in found],
        schema={"username": pl.String, "name": pl.String, "channel": pl.String, "period": pl.String,
                "attempts": pl.Int64, "next_try": pl.Datetime("us"), "status": pl.String, "error": pl.String})
    tables.show(tables.table(frame, FAILING_COLUMNS, page.lang))
