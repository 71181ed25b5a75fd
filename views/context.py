"""The page context: what the guard at the top of every page hands to everything the page draws.

`page = open_page("principal_support")` stops the script unless a signed-in user's role grants the
page, and returns one value that carries

- `page_id` — the page (roles.yaml's id, the file name under pages/);
- `acting` — whose view the page shows: the signed-in user, or, while an admin uses "see what this
  user sees", that user (their scope, their pages; `acting.read_only` is set);
- `signed_in` — who actually signed in (the admin while viewing as someone): the access log names them;
- `lang`, `settings` and `session_id` (the server-side session that rendered the page: a download
  clicked later checks that it is still active);
- `filters` — what the page's filters chose on this run, in order (`filters.py` fills it, the export
  title block and the access-log entries read it).

Filters, loaders, tables and downloads take the context, so nothing travels through session state
and a newcomer sees on each page where its data comes from.
"""

from __future__ import annotations

import dataclasses
import logging

import streamlit as st

from tilannekuva.access import Principal
from tilannekuva.i18n import t
from tilannekuva.settings import Settings
from views import stores, view_as
from views.language import language
from views.signin import TOKEN_KEY, signed_in

log = logging.getLogger("tilannekuva.app")


@dataclasses.dataclass(frozen=True)
class Chosen:
    """One filter's choice on this run: its label and the chosen value in words (for the export title
    block) and the value itself (for the access log and links)."""

    label: str
    text: str
    value: object


@dataclasses.dataclass(frozen=True)
class PageContext:
    page_id: str
    acting: Principal
    signed_in: Principal
    lang: str
    settings: Settings
    session_id: str | None
    filters: dict[str, Chosen] = dataclasses.field(default_factory=dict, compare=False, hash=False)

    def t(self, key: str, **values) -> str:
        """`tilannekuva.i18n.t` in the page's language."""
        return t(key, self.lang, **values)

    @property
    def title(self) -> str:
        return t(f"page.{self.page_id}", self.lang)

    def filter_values(self) -> dict[str, object]:
        """The chosen filters by URL parameter ({'lukuvuosi': 2026, 'alue': None, …}), as the access log
        records them."""
        return {param: chosen.value for param, chosen in self.filters.items()}


def open_page(page_id: str) -> PageContext:
    """The guard at the top of every page: stop with a message unless a signed-in user's role grants
    this page (also when Streamlit runs a page by auto-discovery without app.py); else the context."""
    acting = view_as.acting()
    lang = language()
    if acting is None:
        log.warning("page %s requested without a signed-in user", page_id)
        st.warning(t("guard.sign_in", lang))
        st.stop()
    if not acting.may_open(page_id):
        log.warning("page %s refused to %s (%s)", page_id, acting.username, acting.role)
        st.error(t("guard.forbidden", lang))
        st.stop()
    settings = stores.settings()
    who = signed_in()
    if settings is None or who is None:       # acting() checked both; a race at most
        st.stop()
    return PageContext(page_id=page_id, acting=acting, signed_in=who, lang=lang, settings=settings,
                       session_id=st.session_state.get(TOKEN_KEY))
