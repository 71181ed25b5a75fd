"""tilannekuva.files.read_yaml: the role policy, the users file and the credentials are read on every script run
and parsed only when their bytes change — so a change must never be missed (a revoked user stays out at the
next run), and no caller may change what the next caller gets."""

from __future__ import annotations

import os

import pytest
import yaml

from tilannekuva.access import AccessError, load_policy, load_users
from tilannekuva.files import read_yaml


def test_a_change_is_seen_even_with_the_same_size_and_time(tmp_path):
    path = tmp_path / "users.yaml"
    path.write_text("users:\n  rehtori: {role: principal, units: [1]}\n", encoding="utf-8")
    before = os.stat(path)
    assert load_users(path)["rehtori"]["role"] == "principal"
    # The same length and the old timestamps: a cache keyed by size or time would miss it.
    path.write_text("users:\n  rehtori: {role: principaX, units: [1]}\n", encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size
    assert load_users(path)["rehtori"]["role"] == "principaX"


def test_each_caller_gets_its_own_copy(tmp_path):
    path = tmp_path / "credentials.yaml"
    path.write_text("credentials:\n  usernames:\n    a: {password: x}\n", encoding="utf-8")
    first = read_yaml(path)
    first["credentials"]["usernames"]["a"]["password"] = "!invalid"
    assert read_yaml(path)["credentials"]["usernames"]["a"]["password"] == "x"


def test_errors_are_raised_as_before(tmp_path):
    assert load_users(tmp_path / "missing.yaml") == {}
    with pytest.raises(FileNotFoundError):
        read_yaml(tmp_path / "missing.yaml")
    broken = tmp_path / "roles.yaml"
    broken.write_text("roles: [unclosed\n", encoding="utf-8")
    with pytest.raises(yaml.YAMLError):
        read_yaml(broken)
    with pytest.raises(AccessError, match="Cannot read the role policy"):
        load_policy(broken)


def test_a_file_that_is_not_utf8_is_an_unreadable_file(tmp_path):
    """UnicodeDecodeError was caught by no caller: a Latin-1 byte in the users file failed every run."""
    path = tmp_path / "users.yaml"
    path.write_bytes("users:\n  rehtori: {role: principal, name: S\xf6derstr\xf6m}\n".encode("latin-1"))
    with pytest.raises(yaml.YAMLError, match="not UTF-8"):
        read_yaml(path)
    with pytest.raises(AccessError, match="Cannot read the users file"):
        load_users(path)
