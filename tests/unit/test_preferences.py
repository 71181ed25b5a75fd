"""The UI language a user chose is remembered across sessions, per user, and only known languages."""

import pytest

from tilannekuva.preferences import Preferences


def test_language_is_remembered_per_user(tmp_path):
    store = Preferences(tmp_path / "state" / "preferences.sqlite")
    assert store.language("rehtori") is None
    store.set_language("rehtori", "sv")
    store.set_language("opettaja", "en")
    store.set_language("rehtori", "fi")
    again = Preferences(tmp_path / "state" / "preferences.sqlite")  # a new server process
    assert (again.language("rehtori"), again.language("opettaja")) == ("fi", "en")


@pytest.mark.parametrize("bad", ["de", "", "sv-FI", "fi; drop table preference"])
def test_unknown_languages_are_refused(tmp_path, bad):
    store = Preferences(tmp_path / "p.sqlite")
    with pytest.raises(ValueError):
        store.set_language("rehtori", bad)
    assert store.language("rehtori") is None
