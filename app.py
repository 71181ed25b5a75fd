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
from tilannekuva.statedb import StateUnavailable
from views import access_log, chrome, heap, loaders, statement, stores, tables, view_as
from views.language import language, language_picker, remember_language
from views.signin import login_page, logout, sign_in

private_umask()     # whatever the app writes (state, logs, exports) is readable by the service account only
# A local icon: a :material/ icon would make every browser fetch it from fonts.gstatic.com.
st.set_page_config(page_title="Tilannekuva", page_icon=str(PROJECT_ROOT / "static" / "favicon.png"), layout="wide")
stores.configure_logging()
lang = language()


def _message_page(key: str):
    def page() -> None:
        st.title(t("app.title", lang))
        st.error(t(key, lang))
    return page


# Every page id (pages/<id>.py): an address of a page this user may not open — another role's link, or a
# deep link before signing in — gets our own answer, not Streamlit's English "Page not found".
ALL_PAGES = sorted(p.stem for p in (PROJECT_ROOT / "pages").glob("*.py"))


def _refused(page_id: str, username: str):
    def page() -> None:
        stores.log.warning("page %s refused to %s: not among the role's pages", page_id, username)
        st.title(t("app.title", lang))
        st.error(t("guard.forbidden", lang))
    return page


def _state_down(exc: StateUnavailable, navigated: bool = True) -> None:
    """The state database (sessions, access log: tilannekuva.statedb) cannot be reached: say so in the user's
    language, log the cause, show nothing else — never a traceback, never a page without its access log."""
    stores.log.error("the state database is unavailable: %s", exc)
    if not navigated:
        st.navigation([st.Page(_message_page("error.state_unavailable"), title=t("app.title", lang),
                               url_path="virhe")], position="hidden").run()
    else:
        st.error(t("error.state_unavailable", lang))
    st.stop()


settings = stores.settings()
if settings is None:
    st.navigation([st.Page(_message_page("error.config"), title=t("app.title", lang), url_path="virhe")]).run()
    st.stop()

try:
    signed_in = sign_in(settings)        # who signed in
    if signed_in is not None:
        lang = remember_language(signed_in)     # the language the user chose last time
except StateUnavailable as exc:
    _state_down(exc, navigated=False)

# Public text, no data: open to everyone, linked from the login page and the end of every menu.
statement_page = st.Page(statement.render, title=t("page.accessibility", lang), icon=":material/accessibility:",
                         url_path="saavutettavuus")

if signed_in is None:
    def _login() -> None:
        login_page(settings)
        st.page_link(statement_page, label=t("page.accessibility", lang), icon=":material/accessibility:")

    chrome.apply(lang)
    chrome.prefetch_charts()       # the landing page's charts need 4.7 MB of browser code: load it while typing
    loaders.warm_up()              # and its first queries a warehouse connection: open it meanwhile
    tables.warm_up()               # and its first real table pandas' Styler
    language_picker(None)
    # A deep link (/principal_support?yksikko=…) shows the sign-in form; after signing in, the same address
    # opens that page if the role grants it.
    deep_links = [st.Page(_login, title=t("login.title", lang), url_path=page_id, visibility="hidden")
                  for page_id in ALL_PAGES]
    signed_out = st.navigation([st.Page(_login, title=t("login.title", lang), icon=":material/login:",
                                        url_path="kirjaudu"), statement_page, *deep_links], position="hidden")
    st.set_page_config(page_title=f"{signed_out.title} – {t('app.title', lang)}")
    try:
        signed_out.run()
    except StateUnavailable as exc:
        _state_down(exc)
    st.stop()

try:
    policy = load_policy(settings.roles_file)
except AccessError as exc:
    stores.log.error("cannot load the role policy: %s", exc)
    st.navigation([st.Page(_message_page("error.config"), title=t("app.title", lang), url_path="virhe")]).run()
    st.stop()

viewed = view_as.viewed_user(signed_in)          # an admin using "see what this user sees"
acting = viewed or signed_in                       # whose view the pages show
pages = [
    st.Page(f"pages/{page_id}.py", title=t(f"page.{page_id}", lang), icon=policy.page_icons.get(page_id) or None,
            url_path=page_id, default=(i == 0))
    for i, page_id in enumerate(acting.pages)
]
refused = [st.Page(_refused(page_id, acting.username), title=t(f"page.{page_id}", lang), url_path=page_id,
                   visibility="hidden") for page_id in ALL_PAGES if page_id not in acting.pages]
navigation = st.navigation([*pages, statement_page, *refused])
# The page shown, by id: the landing page's url_path is "" (Streamlit's default page).
shown_id = next((pid for p, pid in zip(pages, acting.pages, strict=True) if p is navigation),
                navigation.url_path or "saavutettavuus")
st.set_page_config(page_title=f"{navigation.title} – {t('app.title', lang)}")   # WCAG 2.4.2: each page titled
if view_as.switched():
    st.switch_page(pages[0])        # starting or stopping "see as": open that user's landing page

try:
    chrome.apply(lang)
    with st.sidebar:
        if viewed is not None:
            st.warning(t("viewas.banner", lang, user=md(viewed.username), role=t("role." + viewed.role, lang)))
            if st.button(t("viewas.stop", lang), icon=":material/close:", key="tk_view_as_stop"):
                view_as.stop()
                st.rerun()
        st.markdown(f"**{md(signed_in.display_name)}**  \n{t('role.' + signed_in.role, lang)}")
        language_picker(signed_in)
        if chrome.print_button(lang):
            # The URL's parameters are the page's filters (every filter lives in the address).
            access_log.log_print(settings, signed_in, acting, shown_id, dict(st.query_params))
        if st.button(t("login.logout", lang), icon=":material/logout:", key="tk_logout"):
            logout(settings)
            st.rerun()

    if viewed is not None:     # on the page itself (the sidebar is not printed): whose view this is, read-only
        st.warning(t("viewas.page_banner", lang, user=md(viewed.username), role=t("role." + viewed.role, lang),
                     admin=md(signed_in.username)), icon=":material/visibility:")
    navigation.run()
    heap.freeze_once()      # once per process, after the first signed-in page: see views/heap.py
except StateUnavailable as exc:      # the state database went away: the sidebar's or the page's reads and logs
    _state_down(exc)
except Exception:       # st.stop/st.rerun are BaseExceptions and pass; anything else is a bug: say so in the
    # user's language (never Streamlit's English box with its links to outside search engines) and log it.
    stores.log.exception("unexpected error on page %s for %s", shown_id, acting.username)
    st.error(t("error.unexpected", lang))
