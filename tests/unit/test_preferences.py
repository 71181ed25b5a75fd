"""The UI language a user chose is remembered across sessions, per user, and only known languages —
on both state backends (SQLite and PostgreSQL: the `state` fixture)."""

import pytest

from tilannekuva.preferences import Preferences


def test_language_is_remembered_per_user(state):
    store = Preferences(state.db("preferences"))
    assert store.language("rehtori") is None
    store.set_language("rehtori", "sv")
    store.set_language("opettaja", "en")
    store.set_language("rehtori", "fi")
    again = Preferences(state.db("preferences"))  # a new server process
    assert (again.language("rehtori"), again.language("opettaja")) == ("fi", "en")
    again.forget("rehtori")
    assert (store.language("rehtori"), store.language("opettaja")) == (None, "en")


@pytest.mark.parametrize("bad", ["de", "", "sv-FI", "fi; drop table preference"])
def test_unknown_languages_are_refused(state, bad):
    store = Preferences(state.db("preferences"))
    with pytest.raises(ValueError):
        store.set_language("rehtori", bad)
    assert store.language("rehtori") is None
