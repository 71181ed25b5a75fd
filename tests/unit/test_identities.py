"""Single sign-on identities: the tenant/issuer check and the stable key as a table of cases, the link
store, and the `tilannekuva users link` command. The e-mail claim never decides who signs in."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tilannekuva.identities import (
    ForeignIdentity,
    Identity,
    IdentityLinks,
    identity_from_claims,
    identity_key,
    user_with_email,
)
from tilannekuva.settings import PROJECT_ROOT

TENANT = "11111111-2222-3333-4444-555555555555"
OTHER_TENANT = "99999999-2222-3333-4444-555555555555"
OID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
ISSUER = "https://idp.example"

CASES = [
    # (claims, tenant setting, issuer setting, expected key or the error's words)
    ({"tid": TENANT, "oid": OID, "email": "r@city.fi"}, TENANT, "", f"entra:{TENANT}:{OID}"),
    ({"tid": TENANT.upper(), "oid": OID.upper()}, TENANT, "", f"entra:{TENANT}:{OID}"),
    ({"tid": OTHER_TENANT, "oid": OID, "email": "r@city.fi"}, TENANT, "", "tenant"),
    ({"oid": OID, "email": "r@city.fi"}, TENANT, "", "tenant"),
    ({"tid": TENANT, "email": "r@city.fi"}, TENANT, "", "object id"),
    ({"tid": TENANT, "oid": OID, "iss": "https://evil.example"}, TENANT, ISSUER, "issuer"),
    ({"iss": ISSUER, "sub": "abc", "email": "r@city.fi"}, "", ISSUER, f"oidc:{ISSUER}#abc"),
    ({"iss": ISSUER + "/", "sub": "abc"}, "", ISSUER, f"oidc:{ISSUER}#abc"),
    ({"iss": "https://evil.example", "sub": "abc"}, "", ISSUER, "issuer"),
    ({"iss": ISSUER}, "", ISSUER, "subject"),
    ({"iss": ISSUER, "sub": "abc", "email": "r@city.fi"}, "", "", "not bound"),
    ({"email": "r@city.fi", "tid": 5, "oid": OID}, TENANT, "", "tenant"),  # a non-string claim is no claim
]


@pytest.mark.parametrize(("claims", "tenant", "issuer", "expected"), CASES)
def test_identity_from_claims(claims, tenant, issuer, expected):
    if ":" in expected:
        identity = identity_from_claims(claims, tenant, issuer)
        assert identity.key == expected
        assert identity.email == claims.get("email", "")
    else:
        with pytest.raises(ForeignIdentity, match=expected):
            identity_from_claims(claims, tenant, issuer)


def test_identity_key_for_the_cli():
    assert identity_key(TENANT.upper(), OID) == f"entra:{TENANT}:{OID}"
    assert identity_key(issuer=ISSUER + "/", subject="abc") == f"oidc:{ISSUER}#abc"
    with pytest.raises(ValueError):
        identity_key(TENANT)


def test_links_pending_and_confirm(state):
    links = IdentityLinks(state.db("identities"))
    if state.backend == "sqlite":
        assert oct(links.path.stat().st_mode & 0o777) == "0o600"
    mine = Identity(f"entra:{TENANT}:{OID}", "r@city.fi", "Rehtori")
    other = Identity(f"entra:{TENANT}:other", "r@city.fi", "Someone else")
    links.request(mine, "Rehtori")
    links.request(other, "rehtori")
    assert links.username_for(mine.key) is None  # a request grants nothing
    assert {p.identity for p in links.pending()} == {mine.key, other.key}
    assert links.confirm(mine.key, linked_by="admin") == "rehtori"
    assert links.username_for(mine.key) == "rehtori"
    assert links.username_for(other.key) is None
    links.reject(other.key)
    assert links.pending() == []
    assert links.confirm("entra:x:y", linked_by="admin") is None
    assert links.unlink("rehtori") == 1 and links.username_for(mine.key) is None


def test_a_link_made_in_one_process_signs_in_through_every_other(state):
    """Two app processes (two stores on one state): the admin confirms in one, the user signs in through the
    other; an unlink there is seen here."""
    admin_side, user_side = IdentityLinks(state.db("identities")), IdentityLinks(state.db("identities"))
    key = f"entra:{TENANT}:{OID}"
    assert user_side.request(Identity(key, "r@city.fi", "Rehtori"), "rehtori")
    assert [p.identity for p in admin_side.pending()] == [key]
    assert admin_side.confirm(key, linked_by="admin", username="rehtori") == "rehtori"
    assert user_side.username_for(key) == "rehtori" and user_side.pending() == []
    assert user_side.unlink("rehtori") == 1
    assert admin_side.username_for(key) is None and admin_side.links() == []


def test_the_email_only_proposes():
    users = {"maija": {"role": "principal", "units": [1], "email": "Maija.M@City.fi"}, "pekka": {"role": "admin"}}
    assert user_with_email(users, "maija.m@city.fi") == "maija"
    assert user_with_email(users, "pekka@city.fi") is None
    assert user_with_email(users, "") is None and user_with_email(users, None) is None


def _cli(home, *args, stdin: str | None = None, state=None):
    env = {
        **os.environ,
        "TILANNEKUVA_MODE": "demo",
        "TILANNEKUVA_DATA_DIR": str(home),
        **(state.env() if state else {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "tilannekuva.cli", "users", *args],
        cwd=PROJECT_ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_users_link_is_an_admin_act_in_the_access_log(demo_home, state):
    """`tilannekuva users link/unlink` on the state the settings name (a SQLite directory or state_url)."""
    import shutil

    from tilannekuva.audit import AccessLog

    home = state.directory.parent  # its state/ is the SQLite directory
    shutil.copytree(demo_home / "demo", home / "demo")
    done = _cli(home, "link", "rehtori", "--tenant", TENANT, "--object-id", OID, state=state)
    assert done.returncode == 0, done.stderr
    assert IdentityLinks(state.db("identities")).username_for(f"entra:{TENANT}:{OID}") == "rehtori"
    entry = AccessLog(state.db("access_log")).entries()[0]
    assert (entry.action, entry.target, entry.filters["identity"]) == (
        "link_identity",
        "user:rehtori",
        f"entra:{TENANT}:{OID}",
    )
    assert entry.username.startswith("cli:")
    listed = _cli(home, "list", state=state)
    assert f"entra:{TENANT}:{OID}" in listed.stdout
    assert _cli(home, "link", "nobody", "--tenant", TENANT, "--object-id", OID, state=state).returncode == 1
    assert _cli(home, "link", "rehtori", "--tenant", TENANT, state=state).returncode == 2  # no object id
    assert _cli(home, "unlink", "rehtori", state=state).returncode == 0
    assert IdentityLinks(state.db("identities")).username_for(f"entra:{TENANT}:{OID}") is None
    assert AccessLog(state.db("access_log")).entries()[0].action == "unlink_identity"


def test_a_pending_request_is_confirmed_for_the_user_the_admin_saw(state):
    """Attack (found by trying): the identity's owner edits its e-mail claim to a principal's between
    the admin's page render and the click; the pending row must not follow the e-mail."""
    links = IdentityLinks(state.db("identities"))
    key = "entra:tenant-1:oid-of-the-teacher"
    links.request(Identity(key, "opettaja@example.fi", "Olli Opettaja"), "opettaja")
    shown = links.pending()[0]  # what the admin's users page rendered
    assert shown.username == "opettaja"
    # The identity's owner edits its e-mail claim to the principal's and signs in again (views/signin.py
    # `_sso_sign_in` -> user_with_email -> links.request): the same pending row is refreshed.
    links.request(Identity(key, "rehtori@example.fi", "Olli Opettaja"), "rehtori")
    links.confirm(shown.identity, linked_by="admin")  # the admin's click on what they saw
    assert links.username_for(key) == shown.username, (
        f"the admin confirmed {shown.username!r} but the identity is now linked to {links.username_for(key)!r}"
    )
    assert links.confirm(shown.identity, linked_by="admin", username="rehtori") is None  # not what it asks for
