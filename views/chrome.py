"""What every page shares around its content: the document language, the contrast fixes and the
print layout (CSS), and the print button.

Streamlit serves one index.html with `<html lang="en">`; a screen reader would read Finnish with
English rules, so the language is set on the document on every language change. The colours fixed
here are Streamlit's defaults that fall below WCAG 2.1 AA contrast (4.5:1) on a white background:
captions (text colour at 60 % opacity: 3.9:1, inline code in a caption 3.0:1), a disabled
select's value (2.3:1) and the sidebar menu's icons (text colour at 60 %: 3.80:1 on the sidebar's
#f8f8f7; at the full text colour #2f2d2b 12.9:1). The icons stay: they help people find a page
again, and Streamlit already hides their ligature text ("location_city") from screen readers
(aria-hidden), so it is not read aloud; but an engine that checks all visible text (IBM Equal Access)
still measures its contrast. The browser tests' three engines (axe-core, HTML_CodeSniffer, IBM Equal
Access) keep them fixed.

Every Streamlit widget label wraps its text in `<span aria-hidden="true">` (the control itself carries
the name as aria-label), which leaves the `<label>` element empty for assistive technology (IBM Equal
Access: label_content_exists, WCAG 4.1.2). `LABELS_SCRIPT` removes that aria-hidden, on every label
Streamlit draws, now or later: the label's text is then exposed as well as the control's name.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import streamlit as st

from tilannekuva.i18n import LANGUAGES, t

CSS = """
<style>
[data-testid="stCaptionContainer"] { opacity: 1 !important; color: #55534f; }
[data-testid="stSelectbox"] [data-testid="stMarkdownContainer"] p { color: #3d3c3a; }
[data-testid="stSidebarNav"] [data-testid="stIconMaterial"] { color: inherit !important; opacity: 1 !important; }
button[aria-controls="stSidebar"] [data-testid="stIconMaterial"][data-tk-icon]::before { content: attr(data-tk-icon); }
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


# Installed once per browser tab; a MutationObserver catches the labels of widgets drawn later (reruns, pages).
# window.tkNames (set on every run, in the user's language) names Streamlit's sidebar button, whose own name is
# English ("Collapse sidebar") and whose only visible text is its icon's ligature ("keyboard_double_arrow_left"):
# the ligature moves to an attribute that CSS draws (CSS: [data-tk-icon]::before), so the name is the only text.
LABELS_SCRIPT = """<script>
if (!window.tkLabels) {
  const expose = function () {
    document.querySelectorAll('[data-testid="stWidgetLabel"] > span[aria-hidden="true"]')
      .forEach(function (span) { span.removeAttribute("aria-hidden"); });
    const names = window.tkNames || {};
    document.querySelectorAll('button[aria-controls="stSidebar"]').forEach(function (button) {
      const name = button.getAttribute("aria-expanded") === "false" ? names.expand : names.collapse;
      if (name && button.getAttribute("aria-label") !== name) { button.setAttribute("aria-label", name); }
      if (name && button.getAttribute("title") !== name) { button.setAttribute("title", name); }
      button.querySelectorAll('[data-testid="stIconMaterial"]').forEach(function (icon) {
        if (icon.textContent) { icon.setAttribute("data-tk-icon", icon.textContent); icon.textContent = ""; }
      });
    });
  };
  window.tkExpose = expose;
  window.tkLabels = new MutationObserver(expose);
  window.tkLabels.observe(document.body, {childList: true, subtree: true, characterData: true, attributes: true,
                                          attributeFilter: ["aria-label", "aria-expanded"]});
}
window.tkExpose();
</script>"""


def _names_script(lang: str) -> str:
    names = {"collapse": t("chrome.sidebar_collapse", lang), "expand": t("chrome.sidebar_expand", lang)}
    return f"<script>window.tkNames = {json.dumps(names).replace('</', '<' + chr(92) + '/')};</script>"


# Per language, made once from the catalog: the sidebar button's names, then the script that applies them.
LABELS_SCRIPTS = {lang: _names_script(lang) + LABELS_SCRIPT for lang in LANGUAGES}


def apply(lang: str) -> None:
    """The shared CSS (sent to the event container: takes no space), the document language, the widget
    labels exposed to assistive technology and Streamlit's sidebar button named in the user's language."""
    st.html(CSS)
    # Constant scripts, one of three fixed language codes and catalog texts: no user input reaches them.
    st.sidebar.html(f'<script>document.documentElement.lang = "{lang}";</script>', unsafe_allow_javascript=True)
    st.sidebar.html(LABELS_SCRIPTS[lang], unsafe_allow_javascript=True)


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


@functools.cache
def chart_code() -> str | None:
    """The path (under the app's address) of the browser code that draws Plotly charts in this Streamlit
    version ('static/js/PlotlyChart.<hash>.js', 4.7 MB), or None if the build has no such file."""
    found = sorted((Path(st.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js"))
    if not found or not re.fullmatch(r"PlotlyChart\.[A-Za-z0-9_-]+\.js", found[0].name):
        return None
    return f"static/js/{found[0].name}"


def _prefetch_script() -> str:
    code = chart_code()
    if code is None:
        return ""
    return (f"<script>import(new URL({json.dumps(code)}, document.baseURI).href).catch(function () {{}});"
            "</script>")


# A constant for the process: the file name comes from Streamlit's own build (checked in chart_code).
CHART_PREFETCH = _prefetch_script()


def prefetch_charts() -> None:
    """On the sign-in page: the browser fetches and loads the chart code while the user types, instead
    of after signing in, when the landing page's first chart waits for it (2–4 s of the sign-in to first
    chart on a busy 2-core server, issue 21). The same module the chart loads later (one copy); a failed
    fetch only means the chart loads it itself. No user input reaches the script."""
    if CHART_PREFETCH:
        st.sidebar.html(CHART_PREFETCH, unsafe_allow_javascript=True)
