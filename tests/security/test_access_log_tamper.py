"""Attack: prune the access log in secret (issue 16, item 4).

Someone who can write the state database (data/state/access_log.sqlite, or the schema tk_access_log in
PostgreSQL: every test here runs on both, the `state` fixture) inserts an anchor row — the triggers then allow
deleting every entry at or below it — and deletes the entry that shows what they did (entry 25, a
pupil-list export). Each way of forging the anchor must leave `verify()` reporting the log broken;
the real retention prune must still verify. A full rewrite of the chain (possible for anyone who can
write the file) is caught by a chain head exported earlier with an HMAC under a key kept elsewhere.
"""

from __future__ import annotations

import json
import stat

import pytest

from tests.helpers import app_env, open_as, tables_of
from tests.rawstate import Raw
from tilannekuva import audit
from tilannekuva.audit import AccessLog

EXPORT = 25  # the pupil-list export the attacker wants gone
ENTRIES = 30


def busy_log(where) -> AccessLog:
    """30 fresh entries; entry 25 is rehtori exporting the support-signal list."""
    log = AccessLog(where)
    for i in range(1, ENTRIES + 1):
        if i == EXPORT:
            log.record(
                "rehtori",
                "principal",
                "export",
                "support_signals",
                "principal_support",
                {"units": [113], "format": "xlsx"},
                rows=51,
                subjects=range(1000, 1051),
            )
        else:
            log.record("opettaja", "teacher", "view", "group_pupils", "teacher_groups", {"i": i}, rows=1, subjects=[i])
    return log


def entry_hash(db, entry_id: int) -> str:
    return db.execute("select entry_hash from access_log where entry_id = ?", (entry_id,)).fetchone()[0]


def forge_prune_entry(db, last_entry_id: int, last_hash: str, last_logged_at: float, anchor_id: int = 1) -> None:
    """What a careful attacker adds as well: a 'prune' entry at the end of the chain, hashed exactly as
    audit.py hashes (the code is no secret), naming the forged anchor."""
    prev_hash, now = db.execute(
        "select entry_hash, logged_at from access_log order by entry_id desc limit 1"
    ).fetchone()
    anchors = [
        *db.execute(
            "select anchor_id, pruned_at, last_entry_id, last_hash, removed from access_log_anchor order by anchor_id"
        )
    ]
    filters = json.dumps(
        {
            "anchor_id": anchor_id,
            "last_entry_id": last_entry_id,
            "last_hash": last_hash,
            "last_logged_at": last_logged_at,
            "removed": last_entry_id,
            "retention_days": 1825.0,
            "anchors": audit._anchors_digest(anchors),
        },
        sort_keys=True,
    )
    digest = audit._digest(
        prev_hash, now, "admin", "system", "prune", "access_log", "access_log_prune", filters, last_entry_id, "[]"
    )
    (next_id,) = db.execute("select coalesce(max(entry_id), 0) + 1 from access_log").fetchone()
    db.execute(  # with the next entry id, as the app writes them (gapless)
        "insert into access_log (entry_id, logged_at, username, role, action, target, page, filters, rows, "
        "previous_hash, entry_hash) values (?, ?, 'admin', 'system', 'prune', 'access_log', "
        "'access_log_prune', ?, ?, ?, ?)",
        (next_id, now, filters, last_entry_id, prev_hash, digest),
    )


def anchor_on_nonexistent_entry(db):
    db.execute(
        "insert into access_log_anchor (pruned_at, last_entry_id, last_hash, removed) values (0, 40, ?, 0)",
        ("ab" * 32,),
    )
    db.execute("delete from access_log_subject where entry_id = ?", (EXPORT,))
    db.execute("delete from access_log where entry_id = ?", (EXPORT,))


def anchor_with_a_wrong_hash(db):
    db.execute(
        "insert into access_log_anchor (pruned_at, last_entry_id, last_hash, removed) values (0, ?, ?, ?)",
        (EXPORT, "cd" * 32, EXPORT),
    )
    db.execute("delete from access_log_subject where entry_id <= ?", (EXPORT,))
    db.execute("delete from access_log where entry_id <= ?", (EXPORT,))


def anchor_on_a_too_recent_entry(db):
    """The issue's attack: one INSERT naming entry 25 with its real hash, then the delete."""
    db.execute(
        "insert into access_log_anchor (pruned_at, last_entry_id, last_hash, removed) values (0, ?, ?, 1)",
        (EXPORT, entry_hash(db, EXPORT)),
    )
    db.execute("delete from access_log_subject where entry_id = ?", (EXPORT,))
    db.execute("delete from access_log where entry_id = ?", (EXPORT,))


def anchor_on_a_too_recent_entry_with_a_forged_prune_entry(db):
    logged_at = db.execute("select logged_at from access_log where entry_id = ?", (EXPORT,)).fetchone()[0]
    anchor_on_a_too_recent_entry(db)
    forge_prune_entry(db, EXPORT, db.execute("select last_hash from access_log_anchor").fetchone()[0], logged_at)


def anchor_far_in_the_future(db):
    """last_entry_id = 999999999: the old verify() started after it and checked nothing at all."""
    db.execute(
        "insert into access_log_anchor (pruned_at, last_entry_id, last_hash, removed) values (0, 999999999, ?, 0)",
        ("00" * 32,),
    )
    db.execute("delete from access_log_subject where entry_id = ?", (EXPORT,))
    db.execute("delete from access_log where entry_id = ?", (EXPORT,))


def anchor_far_in_the_future_and_a_later_edit(db):
    db.execute(
        "insert into access_log_anchor (pruned_at, last_entry_id, last_hash, removed) values (0, 999999999, ?, 0)",
        ("00" * 32,),
    )
    db.drop_trigger("access_log_no_update", "access_log")
    db.execute("update access_log set rows = 0 where entry_id = ?", (EXPORT,))


@pytest.mark.parametrize(
    "attack",
    [
        anchor_on_nonexistent_entry,
        anchor_with_a_wrong_hash,
        anchor_on_a_too_recent_entry,
        anchor_on_a_too_recent_entry_with_a_forged_prune_entry,
        anchor_far_in_the_future,
        anchor_far_in_the_future_and_a_later_edit,
    ],
    ids=lambda f: f.__name__,
)
def test_a_forged_anchor_and_a_delete_break_the_chain(state, attack):
    log = busy_log(state.db("access_log"))
    assert log.verify() == (True, None)
    with Raw(state.db("access_log")) as db:
        attack(db)
    assert all(e.entry_id != EXPORT or e.rows == 0 for e in log.entries()), "the attack itself did not work"
    assert log.verify()[0] is False, "verify() still says intact after the export was removed from the log"


def test_a_forged_prune_entry_that_lies_about_the_time_is_caught_by_an_earlier_head(state):
    """Whoever can write the file can also forge the whole prune: an anchor, the delete of entries 1–25,
    and a 'prune' entry claiming entry 25 was years old, hashed as audit.py hashes. The file alone
    cannot tell; a head exported before (HMAC under a key kept outside the database) can: it named an
    entry that is gone although it was younger than the retention period."""
    key = b"k" * 32
    log = busy_log(state.db("access_log"))
    db = Raw(state.db("access_log"))
    earlier = _head_of(db, 20, key)  # printed by cron when 20 was the newest
    now, last_hash = db.execute("select logged_at, entry_hash from access_log where entry_id = ?", (EXPORT,)).fetchone()
    db.execute(
        "insert into access_log_anchor (anchor_id, pruned_at, last_entry_id, last_hash, removed) "
        "values (1, ?, ?, ?, ?)",
        (now, EXPORT, last_hash, EXPORT),
    )
    db.execute("delete from access_log_subject where entry_id <= ?", (EXPORT,))
    db.execute("delete from access_log where entry_id <= ?", (EXPORT,))
    forge_prune_entry(db, EXPORT, last_hash, last_logged_at=0.0)
    db.close()
    assert log.verify() == (True, None)  # a perfect forgery inside the file …
    result = log.check_head(earlier, key)
    assert result == (False, 20) and result.problem == "head_pruned_too_early"  # … is not one outside it


def _head_of(db: Raw, entry_id: int, key: bytes) -> str:
    """The head line `access-log-head` printed when `entry_id` was the newest entry."""
    import hmac

    logged_at, digest = db.execute(
        "select logged_at, entry_hash from access_log where entry_id = ?", (entry_id,)
    ).fetchone()
    body = f"{audit.HEAD_FORMAT}:{entry_id}:{float(logged_at)!r}:{digest}"
    return f"{body}:{hmac.new(key, body.encode(), 'sha256').hexdigest()}"


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_real_prune_verifies_and_the_head_survives_it(state):
    key = b"k" * 32
    clock = Clock()
    log = AccessLog(state.db("access_log"), retention_days=30, clock=clock)
    for i in range(10):
        log.record("u", "teacher", "view", "group_pupils", "teacher_groups", {"i": i}, rows=1, subjects=[i])
        clock.now += 86400
    early_head = log.head(key)  # entry 10, logged ten days in
    clock.now += 40 * 86400
    log.record("u", "teacher", "view", "group_pupils", "teacher_groups", {"i": 10}, rows=1)
    assert log.prune(clock.now - 30 * 86400) == 10
    assert log.verify() == (True, None)
    assert log.check_head(early_head, key) == (True, None)  # pruned after the retention period: fine
    assert log.check_head(log.head(key), key) == (True, None)
    # an anchor slipped in before the real one is caught by the anchors' own chain
    with Raw(state.db("access_log")) as db:
        db.execute("insert into access_log_anchor values (0, 0, 999999999, ?, 0)", ("00" * 32,))
    assert log.verify()[0] is False


@pytest.mark.parametrize(
    "tamper, problem",
    [
        ("delete from access_log where entry_id > 27", "head_missing"),  # the newest entries cut away
        ("update access_log set rows = 0 where entry_id = 28", "entry"),  # an edit the chain shows itself
        ("rewrite", "head_mismatch"),  # the whole chain recomputed
    ],
)
def test_an_exported_head_shows_the_log_was_cut_back_or_rewritten(state, tamper, problem):
    key = b"k" * 32
    log = busy_log(state.db("access_log"))
    head = log.head(key)
    for i in range(3):
        log.record("u", "teacher", "view", "t", "p", {"after": i}, rows=1)
    assert log.check_head(head, key) == (True, None)  # the log extends the head
    with Raw(state.db("access_log")) as db:
        db.drop_trigger("access_log_no_update", "access_log")
        db.drop_trigger("access_log_delete_only_pruned", "access_log")
        db.drop_trigger("access_log_subject_delete_only_pruned", "access_log_subject")
        if tamper == "rewrite":
            db.execute("update access_log set rows = 0 where entry_id = ?", (EXPORT,))
            _rehash(db)
        else:
            db.execute(tamper.replace("from access_log ", "from access_log_subject "))  # its pupils go too
            db.execute(tamper)
    if tamper == "rewrite":
        assert log.verify() == (True, None)  # consistent in itself
    result = log.check_head(head, key)
    assert result.intact is False and result.problem == problem


def _rehash(db) -> None:
    previous = audit.GENESIS
    rows = db.execute(
        "select a.entry_id, a.logged_at, a.username, a.role, a.action, a.target, a.page, a.filters, "
        "a.rows, " + audit.subjects_sql(db.backend) + " from access_log a order by a.entry_id"
    ).fetchall()
    for entry_id, *content in rows:
        digest = audit._digest(previous, *content)
        db.execute(
            "update access_log set previous_hash = ?, entry_hash = ? where entry_id = ?", (previous, digest, entry_id)
        )
        previous = digest


def test_a_head_with_a_wrong_key_or_garbled_is_refused(state):
    log = busy_log(state.db("access_log"))
    head = log.head(b"k" * 32)
    assert log.check_head(head, b"x" * 32).problem == "head_forged"
    assert log.check_head(head.replace(":30:", ":29:"), b"k" * 32).problem == "head_forged"
    assert log.check_head("nonsense", b"k" * 32).problem == "head_unreadable"


def test_the_head_and_verify_commands(state, tmp_path, monkeypatch, capsys):
    from tilannekuva.cli import main

    key_file = tmp_path / "keys" / "access_log.key"
    monkeypatch.setenv("TILANNEKUVA_DATA_DIR", str(state.directory.parent))  # its state/ is the SQLite directory
    monkeypatch.setenv("TILANNEKUVA_ACCESS_LOG_KEY_FILE", str(key_file))
    monkeypatch.delenv("TILANNEKUVA_CONFIG", raising=False)
    for name, value in state.env().items():
        monkeypatch.setenv(name, value)
    busy_log(state.db("access_log"))
    assert main(["access-log-verify", "--head", "tkh1:1:0.0:x:y"]) == 2  # no key yet: says so
    capsys.readouterr()
    assert main(["access-log-head"]) == 0
    head = capsys.readouterr().out.strip()
    assert head.startswith(f"tkh1:{ENTRIES}:") and stat.S_IMODE(key_file.stat().st_mode) == 0o400
    assert main(["access-log-head"]) == 0 and capsys.readouterr().out.strip() == head  # same key, same head
    assert main(["access-log-verify"]) == 0 and main(["access-log-verify", "--head", head]) == 0
    with Raw(state.db("access_log")) as db:
        anchor_on_a_too_recent_entry(db)
    capsys.readouterr()
    assert main(["access-log-verify"]) == 1 and "BROKEN" in capsys.readouterr().err
    assert main(["access-log-verify", "--head", head]) == 1


def test_the_admin_page_shows_the_prunes_and_a_forged_anchor(demo_home, state, monkeypatch):
    """pages/admin_access_log.py on its own log (a copy of the tiny demo's accounts, its warehouse):
    the real prune is listed; after a forged anchor the page says the log is broken, in words."""
    import shutil

    from tilannekuva.i18n import t

    home = state.directory.parent  # its state/ is the SQLite directory
    for name, value in state.env().items():
        monkeypatch.setenv(name, value)
    shutil.copytree(demo_home / "demo", home / "demo")
    (home / "warehouse").symlink_to(demo_home / "warehouse")
    clock = Clock(1_600_000_000.0)  # 2020: older than the five-year retention
    old = AccessLog(state.db("access_log"), clock=clock)
    for i in range(3):
        old.record("opettaja", "teacher", "view", "group_pupils", "teacher_groups", {"i": i}, rows=1)
    clock.now += 1830 * 86400
    assert old.prune(1_600_000_000.0 + 86400) == 3
    with app_env(home, monkeypatch):
        at = open_as("admin", "admin_access_log")
        assert not at.exception
        assert t("accesslog.intact") in [s.value for s in at.success]
        assert t("accesslog.prunes_header") in [h.value for h in at.header]
        prunes = tables_of(at)[-1].value
        assert list(prunes[t("col.last_entry")]) == [3] and list(prunes[t("col.removed")]) == [3]
        with Raw(state.db("access_log")) as db:
            newest = db.execute("select max(entry_id) from access_log").fetchone()[0]
            db.execute(
                "insert into access_log_anchor (anchor_id, pruned_at, last_entry_id, last_hash, removed) "
                "values ((select max(anchor_id) + 1 from access_log_anchor), 0, ?, ?, 1)",
                (newest - 1, entry_hash(db, newest - 1)),
            )
            db.execute("delete from access_log_subject where entry_id <= ?", (newest - 1,))
            db.execute("delete from access_log where entry_id <= ?", (newest - 1,))
        at.run()
        assert t("accesslog.broken_anchor_unbacked", entry=newest - 1) in [e.value for e in at.error]
