"""Pages through streamlit.testing.v1.AppTest: the real app.py, the real login form, the tiny warehouse."""

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import as_read
from tests.helpers import app, login, open_as, tables_of, truth
from tilannekuva.i18n import fmt_percent, t


def metrics(at):
    return {m.label: m.value for m in at.metric}


def texts(at):
    return as_read(
        " ".join(
            str(e.value)
            for kind in ("markdown", "caption", "info", "warning", "error", "title", "header")
            for e in getattr(at, kind)
        )
    )


def test_signed_out_app_shows_only_the_login_form(demo_env):
    at = app()
    at.run()
    assert not at.exception
    assert [ti.label for ti in at.text_input] == ["Käyttäjätunnus", "Salasana"]
    assert not at.metric and not at.get("plotly_chart") and not tables_of(at)


def test_principal_lands_on_own_unit(demo_env, principals):
    at = login("rehtori")
    unit = principals["rehtori"].unit_ids[0]
    ((name, share),) = truth(
        demo_env,
        f"select u.name, r.trained / r.staff from dim_unit u join agg_training_reach r "
        f"using (unit_id) where unit_id = {unit} and school_year_id = 2026",
    )
    assert at.title[0].value == name
    # The demo's data end in November: the year is unfinished and its card says so (issue 18 item 2).
    assert at.metric[0].label == "Yksikkö 2026–2027 (kesken)" and at.metric[0].value == fmt_percent(share, "fi")


def test_missing_warehouse_gives_a_message_not_a_trace(demo_env, tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(demo_env / "demo", home / "demo")
    (home / "warehouse").mkdir()
    monkeypatch.setenv("TILANNEKUVA_DATA_DIR", str(home))
    at = open_as("johto")
    assert not at.exception
    assert [e.value for e in at.error] == [t("error.warehouse")]


def test_corrupt_warehouse_gives_a_message(demo_env, tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(demo_env / "demo", home / "demo")
    (home / "warehouse").mkdir()
    (home / "warehouse" / "broken.duckdb").write_bytes(b"this is not a database" * 100)
    (home / "warehouse" / "CURRENT").write_text("broken.duckdb\n")
    monkeypatch.setenv("TILANNEKUVA_DATA_DIR", str(home))
    at = open_as("admin")
    assert not at.exception
    assert [e.value for e in at.error] == [t("error.warehouse")]


def test_production_with_unbound_single_sign_on_refuses_to_start(demo_env, monkeypatch):
    """What production still demands of the settings: single sign-on bound to a tenant or issuer."""
    monkeypatch.setenv("TILANNEKUVA_MODE", "production")
    monkeypatch.setenv("TILANNEKUVA_SSO", "true")
    at = app()
    at.run()
    assert not at.exception
    assert t("error.config") in [e.value for e in at.error]
    assert not at.text_input


def test_production_without_a_cookie_key_starts(demo_env, monkeypatch):
    """No cookie key any more (a session cookie holds a random secret, its hash on the server)."""
    monkeypatch.setenv("TILANNEKUVA_MODE", "production")
    at = app()
    at.run()
    assert not at.exception and not at.error
    assert at.text_input  # the login form


def test_swedish_login_and_page(demo_env):
    at = app()
    at.session_state["tk_lang"] = "sv"
    login("johto", at=at)
    assert "Totalt 2026–2027" in metrics(at)
    assert at.title[0].value == "Stadens lägesbild"


def test_admin_loads_page_shows_history_problems_and_contracts(demo_env, tmp_path, state, monkeypatch):
    """On both state backends: with state_url, a load run by the command on another machine is on the page."""
    from tilannekuva.ingest.history import LoadHistory
    from tilannekuva.ingest.load import ingest
    from tilannekuva.ingest.problems import LoadRejected

    bad = tmp_path / "palvelumuotoilu.csv"
    bad.write_text(
        "conversation_id;school_year_id;unit_id;theme;held_on;participants\n1;2024;999999;viestinta;1.10.2024;5\n",
        encoding="utf-8",
    )
    for key, value in state.env().items():
        monkeypatch.setenv(key, value)
    history = LoadHistory(state.db("loads") if state.url else demo_env / "state" / "loads.sqlite")
    with pytest.raises(LoadRejected):
        ingest([bad], demo_env / "warehouse", history, run_by="tietohallinto")
    at = login("admin")
    at.switch_page("pages/admin_loads.py").run()
    assert not at.exception
    frames = [df.value for df in tables_of(at)]
    history_table = next(f for f in frames if "Suorittaja" in f.columns)
    assert history_table.iloc[0]["Suorittaja"] == "tietohallinto"
    assert history_table.iloc[0]["Tulos"] == t("ingest.result.rejected")
    # The newest load is picked: its problem is shown with file, row and column, in Finnish.
    shown = texts(at)
    assert "palvelumuotoilu.csv, rivi 2, sarake unit_id: Arvoa 999999 ei löydy" in shown
    sources = next(f for f in frames if "Lähdejärjestelmä" in f.columns)
    assert len(sources) == 20 and t("source.kirjautumiset") in sources["Lähde"].tolist()
    assert sources["Rivejä"].notna().all() and (sources["Rivejä"] > 0).all()
    contract = next(f for f in frames if "Sarake" in f.columns)
    assert contract["Sarake"].tolist()[:2] == ["school_year_id", "label"]  # first contract: lukuvuodet
    at.selectbox(key="contract_pick").set_value("poissaolot").run()
    contract = next(df.value for df in tables_of(at) if "Sarake" in df.value.columns)
    assert "unexcused_hours" in contract["Sarake"].tolist()


def test_language_choice_is_remembered_at_the_next_sign_in(demo_env):
    def headers(run):  # the landing page's own header (after "Mitä uutta")
        return [h.value for h in run.header]

    at = login("rehtori")
    assert t("page.principal_unit", "fi") in headers(at)
    at.selectbox(key="tk_lang_picker").select("sv").run()
    assert not at.exception
    assert t("page.principal_unit", "sv") in headers(at) and t("whatsnew.page.title", "sv") in headers(at)
    again = login("rehtori")  # a new browser session, e.g. the next morning
    assert t("page.principal_unit", "sv") in headers(again)
    assert again.selectbox(key="tk_lang_picker").value == "sv"
    other = login("opettaja")  # someone else's choice is theirs
    assert other.title[0].value == t("page.teacher_groups", "fi")


def test_a_language_picked_on_the_login_page_becomes_the_users_choice(demo_env):
    at = app()
    at.run()
    at.selectbox(key="tk_lang_picker").select("en").run()
    assert at.button[0].label == t("login.submit", "en")
    login("johto", at=at)
    assert at.title[0].value == t("page.sector_overview", "en")
    assert login("johto").title[0].value == t("page.sector_overview", "en")


def _statement_script():
    from views import statement

    statement.render()


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_accessibility_statement_in_each_language(demo_env, lang):
    """The statement page's text (the route, /saavutettavuus, signed in and out, is a browser test)."""
    at = AppTest.from_function(_statement_script, default_timeout=30)
    at.session_state["tk_lang"] = lang
    at.run()
    assert not at.exception
    assert at.title[0].value == t("page.accessibility", lang)
    assert [h.value for h in at.header][0] == t("a11y.status_header", lang)
    text = as_read(" ".join(m.value for m in at.markdown))
    assert "Traficom" in text and "tilannekuva@kaupunki.example" in text
    # Issue 22: what was tested and with which checkers (the walk-through runs all three), and what remains.
    assert all(tool in text for tool in ("axe-core", "HTML_CodeSniffer", "IBM Equal Access")), text
    assert "canvas" in text and "20" in text  # the two grids left, named


def test_an_unexpected_error_is_told_in_the_users_language_and_logged(demo_env, monkeypatch, caplog):
    """A bug on a page (here: a section that raises on the principal's landing page) shows a message from the
    catalog — never Streamlit's English box with its links to outside search engines — and the traceback goes
    to the log (issue 18 item 12). The landing page runs inside app.py's navigation (AppTest's switch_page
    would run a page script without app.py)."""
    from tests.helpers import open_as
    from tilannekuva.i18n import t
    from views import sections

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(sections, "metric_cards", broken)
    at = open_as("rehtori", lang="sv")
    assert not at.exception
    assert t("error.unexpected", "sv") in [e.value for e in at.error]
    assert "unexpected error on page principal_unit for rehtori" in caplog.text
