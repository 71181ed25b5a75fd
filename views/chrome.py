"""What every page shares around its content: the document language, the contrast fixes and the
print layout (CSS), and the print button.

Streamlit serves one index.html with `<html lang="en">`; a screen reader would read Finnish with
English rules, so the language is set on the document on every language change. The colours fixed
here are Streamlit's defaults that fall below WCAG 2.1 AA contrast (4.5:1) on a white background:
captions (text colour at 60 % opacity: 3.9:1, inline code in a caption 3.0:1) and a disabled
select's value (2.3:1); the browser tests' axe-core check keeps them fixed.
"""

from __future__ import annotations

import streamlit as st

from tilannekuva.i18n import t

CSS = """
<style>
[data-testid="stCaptionContainer"] { opacity: 1 !important; color: #55534f; }
[data-testid="stSelectbox"] [data-testid="stMarkdownContainer"] p { color: #3d3c3a; }
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stSidebarCollapsedControl"], [data-testid="stDownloadButton"], [data-testid="stExpander"],
  [data-testid="stPageLink"], .modebar-container { display: none !important; }
  [data-testid="stMain"], [data-testid="stMainBlockContainer"] { margin: 0 !important; padding: 0 !important;
    max-width: 100% !important; }
  [data-testid="stPlotlyChart"], [data-testid="stMetric"], [data-testid="stVerticalBlockBorderWrapper"] {
    break-inside: avoid; }
  @page { size: A4 landscape; margin: 12mm; }
}
</style>
"""


def apply(lang: str) -> None:
    """The shared CSS (sent to the event container: takes no space) and the document language."""
    st.html(CSS)
    # A constant script with one of three fixed language codes: no user input reaches it.
    st.sidebar.html(f'<script>document.documentElement.lang = "{lang}";</script>', unsafe_allow_javascript=True)


def print_button(lang: str) -> bool:
    """A button that opens the browser's print dialog (print or save as PDF) for the page as shown,
    laid out for paper by the print CSS. Returns True on the run the user clicked it."""
    if st.sidebar.button(t("print.button", lang), icon=":material/print:", key="tk_print",
                         help=t("print.help", lang)):
        # Streamlit may run an element's script twice; a per-click number lets it print once.
        click = st.session_state["tk_print_clicks"] = st.session_state.get("tk_print_clicks", 0) + 1
        st.sidebar.html(f"<script>if (window.tkPrinted !== {click}) {{ window.tkPrinted = {click}; "
                        "setTimeout(function () { window.print(); }, 600); }</script>", unsafe_allow_javascript=True)
        return True
    return False
