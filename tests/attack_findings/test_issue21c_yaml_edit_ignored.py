"""Attack finding (issue 21, 6e48d29): tilannekuva.files.read_yaml's docstring promises "a revoked user or a changed
role applies at the next run" because the role policy, users and credentials are re-read on every run. They are
re-read, but a signed-in session never uses them again: views.signin.sign_in returns the Principal kept in
st.session_state as long as the server-side session is active. Only `tilannekuva users …` (useradmin) revokes the
sessions; an admin who edits users.yaml directly (the brief's data-protection officer removing a principal, or
moving them to another unit — here rewritten with a rename into place, as editors and config management do) sees
the file change and nothing happen: the principal keeps the old unit's pupils for the rest of the session (idle
timeout / expiry), run after run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys

import pytest

from tests.helpers import serve
from tilannekuva.demo import DEMO_PASSWORDS
from tilannekuva.i18n import t
from tilannekuva.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "bench"))

from stclient import Browser  # noqa: E402


@pytest.fixture(scope="module")
def server(demo_home, tmp_path_factory):
    home = tmp_path_factory.mktemp("yamledit")
    shutil.copytree(demo_home / "demo", home / "demo")
    shutil.copytree(demo_home / "warehouse", home / "warehouse")
    yield from serve(home)


def test_a_user_removed_from_users_yaml_loses_access_at_the_next_run(server):
    users_file = server["home"] / "demo" / "users.yaml"
    # The admin removes rehtori from users.yaml: a new file renamed into place.
    before, after, alerts = asyncio.run(_pages_after_edit(server["base"], users_file, _rehtori_as(None)))
    assert before, "rehtori did not sign in"
    signed_out = {"", "saavutettavuus"}  # the sign-in page and the public accessibility statement
    assert set(before) > signed_out
    assert set(after) <= signed_out, (
        f"rehtori was removed from users.yaml, two runs later the session still has the pages "
        f"{after} (before: {before}); alerts: {alerts[:200]}"
    )
    assert t("login.session_ended", "fi") in alerts, alerts


async def _pages_after_edit(base: str, users_file, edit) -> tuple[list[str], list[str], str]:
    """rehtori signs in; `edit` rewrites users.yaml (renamed into place); two runs later: the menu before, the menu
    after and the alerts. The file is put back after."""
    b = Browser(base, timeout=60)
    original = users_file.read_text()
    try:
        await b.open("/")
        await b.sign_in("rehtori", DEMO_PASSWORDS["rehtori"])
        before = [p.url_path for p in b.menu()]
        new = users_file.with_name("users.yaml.new")
        new.write_text(edit(original))
        os.replace(new, users_file)
        await b.rerun()
        await b.rerun()
        return before, [p.url_path for p in b.menu()], " ".join(b.alerts())
    finally:
        await b.close()
        users_file.write_text(original)


def _rehtori_as(role: str | None):
    """rehtori's entry replaced by one with only `role` (None: removed)."""

    def edit(text: str) -> str:
        start = text.index("  rehtori:\n")
        end = text.index("  rehtori2:\n")
        return text[:start] + (f"  rehtori:\n    role: {role}\n" if role else "") + text[end:]

    return edit


def test_changed_rights_apply_at_the_next_run_and_a_broken_file_keeps_the_last_good_ones(server):
    """The lead's fix: changed rights replace the old ones at the next run (here principal -> admin); a users file
    that does not parse (an editor's half-written file) keeps the open session's rights instead of signing the
    whole city out."""
    users_file = server["home"] / "demo" / "users.yaml"
    before, after, _ = asyncio.run(_pages_after_edit(server["base"], users_file, _rehtori_as("admin")))
    assert "principal_staff" in before and "principal_staff" not in after and "admin_users" in after, after
    before, after, _ = asyncio.run(_pages_after_edit(server["base"], users_file, lambda text: text + "\n  : [broken\n"))
    assert after == before, after
