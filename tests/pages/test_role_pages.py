"""Every demo user × every page of roles.yaml: shown (no exception, no guard message) or refused (the
guard's message and no data). The expected table is written out here, not derived from roles.yaml, so a
page given to the wrong role in the policy fails it. Users are signed in by session state
(tests.helpers.open_as); a refused page is run alone, as Streamlit's auto-discovery would run it, so its
own guard is what refuses it."""

from __future__ import annotations

import pytest

from tests.helpers import login, open_as, page_alone, tables_of
from tilannekuva.access import load_policy
from tilannekuva.i18n import t
from tilannekuva.settings import PROJECT_ROOT

PAGES = sorted(load_policy(PROJECT_ROOT / "roles.yaml").page_icons)
SHOWN = {
    "johto": {
        "sector_overview",
        "sector_scorecard",
        "sector_metric",
        "sector_support",
        "sector_units",
        "metric_catalogue",
        "my_notifications",
    },
    "rehtori": {
        "principal_unit",
        "principal_staff",
        "principal_support",
        "principal_eservices",
        "metric_catalogue",
        "my_notifications",
    },
    "opettaja": {"teacher_groups", "teacher_watch", "teacher_me", "metric_catalogue", "my_notifications"},
    "admin": {"admin_status", "admin_loads", "admin_access_log", "admin_users", "metric_catalogue", "my_notifications"},
    "vieras": set(),  # no role: signs in to nothing
}
CASES = [(user, page, page in shown) for user, shown in SHOWN.items() for page in PAGES]


def guard_messages(at) -> list[str]:
    said = [e.value for e in at.error] + [w.value for w in at.warning]
    return [m for m in said if m in (t("guard.forbidden"), t("guard.sign_in"))]


def data_shown(at) -> int:
    return len(tables_of(at)) + len(at.metric) + len(at.get("plotly_chart")) + len(at.get("download_button"))


def test_every_page_is_somebodys():
    assert set(PAGES) == set().union(*SHOWN.values())


@pytest.mark.parametrize("user, page, shown", CASES, ids=[f"{u}-{p}" for u, p, _ in CASES])
def test_role_by_page(demo_env, user, page, shown):
    if shown:
        at = open_as(user, page)
        assert not at.exception, at.exception
        assert not guard_messages(at)
        assert at.title and at.title[0].value
        return
    if user == "vieras":
        at = page_alone(page)  # no Principal can be built: nobody is signed in
        assert [w.value for w in at.warning] == [t("guard.sign_in")]
    else:
        at = page_alone(page, user)
        assert [e.value for e in at.error] == [t("guard.forbidden")]
    assert not at.exception and not data_shown(at) and not at.title


def test_a_user_without_a_role_gets_no_page_through_the_form(demo_env):
    at = login("vieras")
    assert [e.value for e in at.error] == [t("login.no_role")]
    assert at.text_input  # still the login form
    assert "tk_principal" not in at.session_state
