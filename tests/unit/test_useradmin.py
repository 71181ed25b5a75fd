"""User administration: roles and scopes validated, hashes written by bcrypt, files read-only,
sessions revoked on every change of role, scope or password."""

import os
import subprocess
import sys
import time

import bcrypt
import pytest
import yaml

from tilannekuva.access import build_principal, load_policy, load_users
from tilannekuva.security import SecurityStore, session_id
from tilannekuva.settings import PROJECT_ROOT
from tilannekuva.useradmin import UserAdmin, UserAdminError

POLICY = load_policy(PROJECT_ROOT / "roles.yaml")


@pytest.fixture
def admin(tmp_path):
    store = SecurityStore(tmp_path / "security.sqlite")
    return UserAdmin(tmp_path / "users.yaml", tmp_path / "credentials.yaml", POLICY, store), store, tmp_path


def test_add_set_role_reset_and_remove(admin):
    ua, store, home = admin
    ua.add("Maija.M", "Maija Meikäläinen", "principal", "pitkä-salasana-1", units=[113, 101])
    users = load_users(home / "users.yaml")
    assert users["maija.m"] == {"role": "principal", "units": [101, 113]}
    creds = yaml.safe_load((home / "credentials.yaml").read_text())["credentials"]["usernames"]["maija.m"]
    assert (
        bcrypt.checkpw(b"pitk\xc3\xa4-salasana-1", creds["password"].encode()) and creds["name"] == "Maija Meikäläinen"
    )
    assert oct((home / "credentials.yaml").stat().st_mode)[-3:] == "400"
    assert build_principal("maija.m", "Maija", users, POLICY).unit_ids == (101, 113)
    abc = session_id(store.open_session("maija.m", time.time() + 3600))
    assert ua.set_role("maija.m", "teacher", staff_id=42) == 1
    assert not store.is_active("maija.m", abc)  # the old role's session is gone
    assert load_users(home / "users.yaml")["maija.m"] == {"role": "teacher", "staff_id": 42}
    secret = store.open_session("maija.m", time.time() + 3600)
    ua.reset_password("maija.m", "toinen-pitkä-salasana")
    assert not store.is_active("maija.m", session_id(secret)) and store.session_of(secret) == ("maija.m", False)
    assert bcrypt.checkpw(
        b"toinen-pitk\xc3\xa4-salasana",
        (
            yaml.safe_load((home / "credentials.yaml").read_text())["credentials"]["usernames"]["maija.m"]["password"]
        ).encode(),
    )
    secret = store.open_session("maija.m", time.time() + 3600)
    ua.remove("maija.m")
    assert store.session_of(secret) == ("maija.m", False)  # removal ends the sessions too
    assert [r.username for r in ua.list()] == []


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda ua: ua.add("x", "X", "superuser", "pitkä-salasana-1"), "unknown role"),
        (lambda ua: ua.add("x", "X", "principal", "pitkä-salasana-1"), "needs --units"),
        (lambda ua: ua.add("x", "X", "teacher", "pitkä-salasana-1"), "needs --staff-id"),
        (lambda ua: ua.add("x", "X", "admin", "lyhyt"), "at least 12"),
        (lambda ua: ua.add("x y", "X", "admin", "pitkä-salasana-1"), "invalid username"),
        (lambda ua: ua.set_role("ghost", "admin"), "no such user"),
    ],
)
def test_bad_changes_are_refused(admin, call, message):
    with pytest.raises(UserAdminError, match=message):
        call(admin[0])


def test_cli_reads_the_password_from_stdin_never_the_command_line(tmp_path):
    env = {
        **os.environ,
        "TILANNEKUVA_USERS_FILE": str(tmp_path / "users.yaml"),
        "TILANNEKUVA_CREDENTIALS_FILE": str(tmp_path / "credentials.yaml"),
        "TILANNEKUVA_DATA_DIR": str(tmp_path),
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tilannekuva.cli",
            "users",
            "add",
            "uusi",
            "--role",
            "admin",
            "--name",
            "Uusi Ylläpitäjä",
            "--password-stdin",
        ],
        input="yllapidon-salasana\n",
        text=True,
        capture_output=True,
        env=env,
        cwd=PROJECT_ROOT,
    )
    assert run.returncode == 0, run.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "tilannekuva.cli", "users", "list"],
        text=True,
        capture_output=True,
        env=env,
        cwd=PROJECT_ROOT,
    )
    assert "uusi" in listed.stdout and "admin" in listed.stdout
