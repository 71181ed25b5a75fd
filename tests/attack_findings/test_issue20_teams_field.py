"""Attack on issue 20: the Teams address field of the page "Ilmoitukset".

A pasted address that urllib cannot even split — a '[' in the host, as a mangled paste or a typo makes
(`https://[prod-12.westeurope.logic.azure.com/workflows/…?sig=…`) — is refused by
delivery.check_teams_url ('malformed'), but the page's own refusal handler then splits the address
again to log its host (`urlsplit(typed).hostname`), which raises ValueError("Invalid IPv6 URL") inside
the `except` block: the user gets Streamlit's exception box with a traceback instead of the promised
"refused, and why" message in their language.
"""

from __future__ import annotations

import pytest

from tests.helpers import open_as
from tilannekuva.notifications import Channels, Notifications


@pytest.fixture
def home(demo_env):
    path = demo_env / "state" / "notifications.sqlite"
    path.unlink(missing_ok=True)
    yield demo_env
    path.unlink(missing_ok=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://[prod-12.westeurope.logic.azure.com/workflows/0123abcd/triggers/manual/paths/invoke?sig=SeCrEt",
        "https://prod-12.westeurope.logic.azure.com]/workflows/0123abcd?sig=SeCrEt",
    ],
)
def test_an_unsplittable_teams_address_is_refused_with_a_message_not_a_traceback(home, url):
    at = open_as("rehtori", "my_notifications")
    at.text_input(key="tk_notify_teams").input(url)
    at.button(key="tk_notify_save_channels").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error, "the refusal is told"
    assert Notifications(home / "state" / "notifications.sqlite").channels("rehtori") == Channels()
