"""Principal.cache_key and Settings.cache_key: what Streamlit's caches hash them by (views/cache_keys.py). A
cached fetch keyed by a principal must never serve another scope, so every field counts: changing any one
changes the key, and equal instances share it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from tilannekuva.access import Principal
from tilannekuva.settings import load_settings

BASE = Principal(
    username="rehtori",
    display_name="Rehtori",
    role="principal",
    pages=("principal_unit",),
    scope="units",
    unit_ids=(1,),
    staff_id=None,
)
OTHER = {str: "x", tuple: (2,), int: 7, bool: True, type(None): 3}


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Principal)])
def test_every_field_of_a_principal_is_in_its_key(field):
    value = getattr(BASE, field)
    changed = dataclasses.replace(BASE, **{field: OTHER[type(value)] if value != OTHER[type(value)] else "y"})
    assert changed.cache_key != BASE.cache_key
    assert dataclasses.replace(BASE).cache_key == BASE.cache_key


def test_scopes_that_print_alike_are_apart():
    one = dataclasses.replace(BASE, unit_ids=(1, 23))
    two = dataclasses.replace(BASE, unit_ids=(12, 3))
    assert one.cache_key != two.cache_key
    assert dataclasses.replace(BASE, staff_id=None).cache_key != dataclasses.replace(BASE, staff_id=0).cache_key
    assert dataclasses.replace(BASE, username="a,b").cache_key != dataclasses.replace(BASE, username="a',b").cache_key


def test_every_field_of_the_settings_is_in_its_key(tmp_path, monkeypatch):
    monkeypatch.setenv("TILANNEKUVA_MODE", "demo")
    monkeypatch.setenv("TILANNEKUVA_DATA_DIR", str(tmp_path))
    settings = load_settings()
    for field in dataclasses.fields(settings):
        value = getattr(settings, field.name)
        other = {
            Path: tmp_path / "other",
            int: 12345,
            float: 0.123,
            bool: not value,
            str: "toinen",
            dt.date: dt.date(2001, 1, 1),
        }.get(type(value))
        if other is None or other == value:
            continue
        changed = dataclasses.replace(settings, **{field.name: other})
        assert changed.cache_key != settings.cache_key, field.name
