"""Tilannekuva router: sign in, build the user's Principal, offer only the pages its role grants.

No queries and no charts here. `st.navigation` is called on every run, the signed-out one
included, so Streamlit never falls back to auto-discovering pages/.
"""

import streamlit as st

from tilannekuva.access import AccessError, load_policy
from tilannekuva.files import private_umask
from tilannekuva.i18n import t
from tilannekuva.inert import md
from tilannekuva.settings import PROJECT_ROOT
from views import chrome, loaders, session, statement

private_umask()     # whatever the app writes (state, logs, exports) is readable by the service account only
# A local icon: a :material/ icon would make every browser fetch it from fonts.gstatic.com.
st.set_page_config(page_title="Tilannekuva", page_icon=str(PROJECT_ROOT / "static" / "favicon.png"), layout="wide")
session.configure_logging()
lang = session.language()


def _message_page(key: str):
    def page() -> None:
        st.title(t("app.title", lang))
        st.error(t(key, lang))
    return page


settings = session.settings()
if settings is None:
    st.navigation([st.Page(_message_page("error.config"), title=t("app.title", lang), url_path="virhe")]).run()
    st.stop()

principal = session.sign_in(settings)

if principal is not None:
    lang = session.remember_language(principal)     # the language the user chose last time

# Public text, no data: open to everyone, linked from the login page and the end of every menu.
statement_page = st.Page(statement.render, title=t("page.accessibility", lang), icon=":material/accessibility:",
                         url_path="saavutettavuus")

if principal is None:
    def _login() -> None:
        session.login_page(settings)
        st.page_link(statement_page, label=t("page.accessibility", lang), icon=":material/accessibility:")

    chrome.apply(lang)
    session.language_picker()
    signed_out = st.navigation([st.Page(_login, title=t("login.title", lang), icon=":material/login:",
                                        url_path="kirjaudu"), statement_page], position="hidden")
    st.set_page_config(page_title=f"{signed_out.title} – {t('app.title', lang)}")
    signed_out.run()
    st.stop()

try:
    policy = load_policy(settings.roles_file)
except AccessError as exc:
    session.log.error("cannot load the role policy: %s", exc)
    st.navigation([st.Page(_message_page("error.config"), title=t("app.title", lang), url_path="virhe")]).run()
    st.stop()

viewing = session.viewed_as(principal)          # an admin using "see what this user sees"
shown_as = viewing or principal
pages = [
    st.Page(f"pages/{page_id}.py", title=t(f"page.{page_id}", lang), icon=policy.page_icons.get(page_id) or None,
            url_path=page_id, default=(i == 0))
    for i, page_id in enumerate(shown_as.pages)
]
navigation = st.navigation([*pages, statement_page])
st.set_page_config(page_title=f"{navigation.title} – {t('app.title', lang)}")   # WCAG 2.4.2: each page titled
if st.session_state.pop("tk_view_as_switched", False):
    st.switch_page(pages[0])        # starting or stopping "see as": open that user's landing page

chrome.apply(lang)
with st.sidebar:
    if viewing is not None:
        st.warning(t("viewas.banner", lang, user=md(viewing.username), role=t("role." + viewing.role, lang)))
        if st.button(t("viewas.stop", lang), icon=":material/close:", key="tk_view_as_stop"):
            session.stop_view_as()
            st.rerun()
    st.markdown(f"**{md(principal.display_name)}**  \n{t('role.' + principal.role, lang)}")
    session.language_picker()
    if chrome.print_button(lang):
        loaders.log_access(shown_as, "print", navigation.url_path or "", navigation.url_path or "", {}, 0)
    if st.button(t("login.logout", lang), icon=":material/logout:", key="tk_logout"):
        session.logout(settings)
        st.rerun()

if viewing is not None:     # on the page itself (the sidebar is not printed): whose view this is, read-only
    st.warning(t("viewas.page_banner", lang, user=md(viewing.username), role=t("role." + viewing.role, lang),
                 admin=md(principal.username)), icon=":material/visibility:")
navigation.run()
