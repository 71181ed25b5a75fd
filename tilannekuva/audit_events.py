"""The access log's vocabulary, as data: what an entry's `action` and `target` may say, which targets
are personal data (of pupils, of staff, of users), and the rules that flag entries for the
data-protection officer (bulk exports, pupil data seen by a role without own pupils, use outside
office hours).

Actions and targets are StrEnums: a member *is* its string (`Action.VIEW == "view"`), so the entries
already in the log, the chain's hashes and every caller still passing a plain string stay as they
are. A target outside `Target` is allowed — an export of an aggregate table is logged under its file
name, a print under the page's path, "see what this user sees" under the username, an identity link
as `user:<name>` (`user_target`) — and is never personal data of pupils.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

import polars as pl

from tilannekuva.access import Policy
from tilannekuva.i18n import catalog, t


class Action(StrEnum):
    """What happened."""

    VIEW = "view"  # personal data shown on a page
    EXPORT = "export"  # a CSV or Excel download
    PRINT = "print"  # the print view of a page
    FOLLOWUP = "followup"  # a teacher marked a pupil on the watch list as followed up
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"  # wrong password
    SIGN_IN_THROTTLED = "sign_in_throttled"
    SIGN_IN_FOREIGN = "sign_in_foreign"  # single sign-on from a tenant that is not ours
    SIGN_IN_UNMAPPED = "sign_in_unmapped"  # single sign-on identity not (yet) linked to a user
    SIGN_IN_REFUSED = "sign_in_refused"  # single sign-on for a user with no role
    SIGN_OUT = "sign_out"
    SESSION_RESUMED = "session_resumed"  # a password or SSO session first used from another client address
    VIEW_AS = "view_as"  # an admin started "see what this user sees"
    LINK_IDENTITY = "link_identity"  # a single sign-on identity linked to a user
    REJECT_IDENTITY = "reject_identity"
    UNLINK_IDENTITY = "unlink_identity"
    PRUNE = "prune"  # retention: older entries removed behind an anchor
    DIGEST = "digest"  # a digest of what changed was sent (e-mail, Teams): counts only, no pupil ids


class Target(StrEnum):
    """What an entry is about, when it is one of the app's named lists (or the session, or the log)."""

    SUPPORT_SIGNALS = "support_signals"  # principal_support: pupils with a support signal
    GROUP_PUPILS = "group_pupils"  # teacher_groups: the pupils of a teaching group
    WATCH_LIST = "watch_list"  # teacher_watch: the teacher's watch list
    PUPIL_ABSENCE = "pupil_absence"  # teacher_watch: one pupil's absences by month
    STAFF_TRAINING_LIST = "staff_training_list"  # principal_staff: named staff and their training
    ACCESS_LOG = "access_log"  # admin_access_log: the log itself (who used the app)
    SESSION = "session"  # sign-in and sign-out
    DIGEST = "digest"  # a digest (tilannekuva.digest): the page column names the channel


class Subject(StrEnum):
    """Whose personal data a target holds."""

    PUPILS = "pupils"
    STAFF = "staff"
    USERS = "users"  # the app's users: who looked at what, when
    NONE = "none"


SUBJECTS: dict[Target, Subject] = {
    Target.SUPPORT_SIGNALS: Subject.PUPILS,
    Target.GROUP_PUPILS: Subject.PUPILS,
    Target.WATCH_LIST: Subject.PUPILS,
    Target.PUPIL_ABSENCE: Subject.PUPILS,
    Target.STAFF_TRAINING_LIST: Subject.STAFF,
    Target.ACCESS_LOG: Subject.USERS,
    Target.SESSION: Subject.NONE,
    Target.DIGEST: Subject.NONE,  # counts and aggregate figures, no one's own data
}


def subject_of(target: str) -> Subject:
    """Whose personal data `target` holds; a target outside the vocabulary (a file name, a page path,
    a username) holds none."""
    try:
        return SUBJECTS[Target(target)]
    except ValueError:
        return Subject.NONE


def is_pupil_data(target: str) -> bool:
    return subject_of(target) is Subject.PUPILS


def is_staff_data(target: str) -> bool:
    return subject_of(target) is Subject.STAFF


PUPIL_DATA: tuple[Target, ...] = tuple(x for x in Target if is_pupil_data(x))


def user_target(username: str) -> str:
    """The target of an entry about a user account (an identity linked or rejected): 'user:<name>'."""
    return f"user:{username}"


def roles_with_own_pupils(policy: Policy) -> frozenset[str]:
    """The roles that have pupils of their own (a principal's units, a teacher's groups): pupil data seen
    by any other role is flagged. roles.yaml's capability `has_own_pupils` (Role.has_own_pupils)."""
    return frozenset(name for name, role in policy.roles.items() if role.has_own_pupils)


# --- the flags the admin's access-log page shows ---------------------------------------------------

OFFICE_HOURS = (7, 18)  # from 7:00 to 17:59, local time
WORKDAYS = (1, 2, 3, 4, 5)  # Monday to Friday (polars' weekday: Monday = 1)
FLAGS = ("bulk", "outside", "off_hours")

ENTRY_SCHEMA = {
    "entry_id": pl.Int64,
    "logged_at": pl.Datetime("us"),
    "username": pl.String,
    "role": pl.String,
    "action": pl.String,
    "target": pl.String,
    "page": pl.String,
    "filters": pl.String,
    "rows": pl.Int64,
}


# What an entry's filters say, in words (issue 18 item 16: a data-protection officer reads them, not a
# developer). Each key has a name in the catalog (`logfilter.<key>`); these keys' values are codes with
# words of their own (`<prefix>.<code>`); an empty value says nothing and is left out.
FILTER_VALUE_WORDS = {
    "scope": "logscope",
    "method": "logmethod",
    "actions": "action",
    "role": "role",
    "target_role": "role",
    "target_scope": "logscope",
    "sektori": "sector",
    "mittari": "metric",
}


UNIT_KEYS = ("yksikko", "units")


def filters_text(filters: dict, lang: str, unit_names: dict[int, str] | None = None) -> str:
    """An entry's filters as a reader says them: 'Lukuvuosi: 2026–2027 · Oppilas (tunniste): 52382 ·
    Näkyvyys: omat opetusryhmät'. Keys with no name in the catalog are shown as they are (nothing is
    hidden from the reader), empty values are left out, lists joined, yes/no in words; with `unit_names`
    a unit reads 'Hakapellon koulu (113)'."""
    texts = catalog(lang)
    parts = []
    for key, value in filters.items():
        if value is None or value == "" or value == [] or value == {}:
            continue
        name = texts.get(f"logfilter.{key}") or catalog("fi").get(f"logfilter.{key}") or key
        if isinstance(value, bool):
            shown = t("logfilter.yes" if value else "logfilter.no", lang)
        elif key in FILTER_VALUE_WORDS:
            codes = value if isinstance(value, list) else str(value).split(",")
            prefix = FILTER_VALUE_WORDS[key]
            shown = ", ".join(texts.get(f"{prefix}.{c}", catalog("fi").get(f"{prefix}.{c}", str(c))) for c in codes)
        elif key == "lukuvuosi" and str(value).isdigit():
            shown = f"{value}–{int(value) + 1}"
        elif key in UNIT_KEYS and unit_names:
            ids = value if isinstance(value, list) else [value]
            shown = ", ".join(
                f"{unit_names[int(u)]} ({u})" if str(u).isdigit() and int(u) in unit_names else str(u) for u in ids
            )
        elif isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        else:
            shown = str(value)
        parts.append(f"{name}: {shown}")
    return " · ".join(parts)


def entries_frame(entries: Iterable, lang: str | None = None, unit_names: dict[int, str] | None = None) -> pl.DataFrame:
    """Access-log entries (tilannekuva.audit.Entry) as a frame: the time in local time (office hours are
    local), the filters as 'key=value, …' text, and with `lang` also as words (`filters_text`, units named
    from `unit_names`)."""
    entries = list(entries)
    frame = pl.DataFrame(
        [
            {
                "entry_id": e.entry_id,
                "logged_at": dt.datetime.fromtimestamp(e.logged_at),
                "username": e.username,
                "role": e.role,
                "action": e.action,
                "target": e.target,
                "page": e.page,
                "filters": ", ".join(f"{k}={v}" for k, v in sorted(e.filters.items())),
                "rows": e.rows,
            }
            for e in entries
        ],
        schema=ENTRY_SCHEMA,
    )
    if lang is not None:
        frame = frame.with_columns(
            filters_text=pl.Series([filters_text(e.filters, lang, unit_names) for e in entries], dtype=pl.String)
        )
    return frame


def flagged(entries: pl.DataFrame, *, bulk_rows: int, roles_with_own_pupils: Iterable[str]) -> pl.DataFrame:
    """`entries` (as `entries_frame`) with the three flags as boolean columns:

    - `flag_bulk`: an export of `bulk_rows` rows or more;
    - `flag_outside`: pupil data (`is_pupil_data`) seen or exported by a role that has no own pupils
      (an admin viewing as a teacher is still the admin: flagged);
    - `flag_off_hours`: logged outside office hours (before 7, from 18, or at the weekend) — not a digest,
      which the server sends when a load ends, whoever is at work."""
    hour, weekday = pl.col("logged_at").dt.hour(), pl.col("logged_at").dt.weekday()
    return entries.with_columns(
        flag_bulk=(pl.col("action") == Action.EXPORT.value) & (pl.col("rows") >= bulk_rows),
        flag_outside=pl.col("target").is_in([str(x) for x in PUPIL_DATA])
        & ~pl.col("role").is_in(list(roles_with_own_pupils)),
        flag_off_hours=((hour < OFFICE_HOURS[0]) | (hour >= OFFICE_HOURS[1]) | ~weekday.is_in(list(WORKDAYS)))
        & (pl.col("action") != Action.DIGEST.value),
    )


def any_flag() -> pl.Expr:
    return pl.any_horizontal(*(pl.col(f"flag_{name}") for name in FLAGS))


def search(
    entries: pl.DataFrame,
    *,
    since: dt.datetime,
    user: str = "",
    actions: Iterable[str] = (),
    text: str = "",
    only_flagged: bool = False,
) -> pl.DataFrame:
    """The entries the admin's search finds: logged since `since`, by a username containing `user`
    (any case), with one of `actions` (all if none), with `text` in the filters (as stored or in words),
    page or target, and
    only the flagged ones if asked (`entries` as `flagged` returns it)."""
    user, actions = user.strip().lower(), list(actions)
    found = entries.filter(pl.col("logged_at") >= since)
    if user:
        found = found.filter(pl.col("username").str.to_lowercase().str.contains(user, literal=True))
    if actions:
        found = found.filter(pl.col("action").is_in(actions))
    if text:
        found = found.filter(
            pl.any_horizontal(
                pl.col(c).str.contains(text, literal=True)
                for c in ("filters", "page", "target", "filters_text")
                if c in entries.columns
            )
        )
    if only_flagged:
        found = found.filter(any_flag())
    return found
