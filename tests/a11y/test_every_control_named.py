"""Every control on every page of every demo role has a name in the user's language (WCAG 2.5.3, 4.1.2).

AppTest, no browser: each widget's label is real text in the session's language — not empty, not a catalog
key that t() returned untranslated, not collapsed away (label_visibility "collapsed" or "hidden" would leave
sighted users without it). The browser walk-through checks the rendered labels with three engines; this
finds an unnamed control in seconds, on pages and in states the walk-through does not open.
"""

from __future__ import annotations

import pytest

from tests.helpers import open_as
from tilannekuva.access import load_policy
from tilannekuva.i18n import LANGUAGES, catalog
from tilannekuva.settings import PROJECT_ROOT

POLICY = load_policy(PROJECT_ROOT / "roles.yaml")
USERS = {
    "johto": "sector_lead",
    "rehtori": "principal",
    "rehtori2": "principal",
    "opettaja": "teacher",
    "admin": "admin",
}
KEYS = {k for lang in LANGUAGES for k in catalog(lang)}
# The widget kinds AppTest exposes; a page's download buttons are st.download_button (a label is required).
KINDS = (
    "button", "checkbox", "color_picker", "date_input", "multiselect", "number_input", "radio", "select_slider",
    "selectbox", "slider", "text_area", "text_input", "time_input", "toggle",
)  # fmt: skip


def widgets(at) -> list:
    return [(kind, widget) for kind in KINDS for widget in getattr(at, kind, [])]


def unnamed(at) -> list[str]:
    """The widgets of the page as rendered whose name a person could not read or hear."""
    found = []
    for kind, widget in widgets(at):
        label = (widget.label or "").strip()
        visibility = getattr(getattr(widget.proto, "label_visibility", None), "value", 0)
        if not label or label in KEYS or visibility in (1, 2):  # LabelVisibilityOptions: HIDDEN, COLLAPSED
            found.append(f"{kind} {widget.key or ''}: {label!r} (visibility {visibility})")
    return found


# Every role in Finnish; Swedish and English for the admin, whose pages have the most controls (the catalog
# tests check that every key exists in all three languages).
CASES = [(user, "fi") for user in USERS] + [("admin", lang) for lang in LANGUAGES if lang != "fi"]


@pytest.mark.parametrize(("user", "lang"), CASES)
def test_every_control_of_every_page_has_a_name(demo_env, user, lang):
    at = open_as(user, lang=lang)
    assert unnamed(at) == [], (user, "landing", lang)
    seen = len(widgets(at))
    for page_id in POLICY.roles[USERS[user]].pages:
        at.switch_page(f"pages/{page_id}.py").run()
        assert not at.exception, (user, page_id, at.exception)
        assert unnamed(at) == [], (user, page_id, lang)
        seen += len(widgets(at))
    assert seen >= 5, (user, lang, seen)  # the pages ran and drew their filters and controls
