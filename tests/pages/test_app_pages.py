"""Pages through streamlit.testing.v1.AppTest: the real app.py, the real login form, the tiny warehouse."""

import shutil

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from tilannekuva.demo import DEMO_PASSWORDS
from tilannekuva.i18n import fmt_number, fmt_percent, t
from tilannekuva.settings import PROJECT_ROOT
from tilannekuva.warehouse import current_file

APP = str(PROJECT_ROOT / "app.py")


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def login(user: str, password: str | None = None, at: AppTest | None = None) -> AppTest:
    at = app() if at is None else at
    at.run()
    at.text_input[0].input(user)
    at.text_input[1].input(password if password is not None else DEMO_PASSWORDS[user])
    at.button[0].click().run()
    return at


def truth(home, sql):
    con = duckdb.connect(str(current_file(home / "warehouse")), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def metrics(at):
    return {m.label: m.value for m in at.metric}


def texts(at):
    return " ".join(str(e.value) for kind in ("markdown", "caption", "info", "warning", "error", "title", "header")
                    for e in getattr(at, kind))


def test_signed_out_app_shows_only_the_login_form(demo_env):
    at = app()
    at.run()
    assert not at.exception
    assert [ti.label for ti in at.text_input] == ["Käyttäjätunnus", "Salasana"]
    assert not at.metric and not at.get("plotly_chart") and not at.dataframe


def test_principal_sees_own_unit_against_city(demo_env, principals):
    at = login("rehtori")
    unit = principals["rehtori"].unit_ids[0]
    (name,), = truth(demo_env, f"select name from dim_unit where unit_id = {unit}")
    (share, untrained), = truth(demo_env, f"select trained/staff, staff - trained from agg_training_reach "
                                          f"where unit_id = {unit} and school_year_id = 2026")
    assert at.title[0].value == name
    m = metrics(at)
    assert m["Yksikön koulutettujen osuus 2026–2027"] == fmt_percent(share, "fi")
    assert m["Kouluttamatta"] == fmt_number(untrained, "fi")
    assert at.selectbox(key="tk_unit").disabled


def test_principal_of_two_units_can_switch(demo_env, principals):
    at = login("rehtori2")
    units = principals["rehtori2"].unit_ids
    box = at.selectbox(key="tk_unit")
    assert len(box.options) == 2 and not box.disabled
    first = at.title[0].value
    other = [u for u in units if str(u) != str(box.value)][0]
    box.select(other).run()
    assert at.title[0].value != first
    assert at.query_params["yksikko"] in (str(other), [str(other)])


def test_a_unit_in_the_url_that_is_not_yours_is_refused(demo_env, principals):
    at = app()
    at.query_params["yksikko"] = "999"
    login("rehtori", at=at)
    assert t("filter.bad_unit") in texts(at)
    assert at.query_params["yksikko"] in (str(principals["rehtori"].unit_ids[0]), [str(principals["rehtori"].unit_ids[0])])


def test_teacher_sees_own_groups(demo_env, principals):
    at = login("opettaja")
    staff = principals["opettaja"].staff_id
    (groups, pupils), = truth(demo_env, f"""
        select count(distinct g.group_id), count(e.pupil_id) from brg_group_teacher b join dim_group g using (group_id)
        left join fct_enrolment e on e.group_id = g.group_id
        where b.staff_id = {staff} and g.school_year_id = 2026""")
    m = metrics(at)
    assert m["Ryhmiä"] == fmt_number(groups, "fi") and m["Oppilaita"] == fmt_number(pupils, "fi")
    shown = sum(len(df.value) for df in at.dataframe)
    assert shown >= pupils  # every pupil of the teacher's groups is listed


def test_admin_sees_row_counts_and_data_dates(demo_env):
    at = login("admin")
    (total,), = truth(demo_env, "select sum(estimated_size) from duckdb_tables() where schema_name = 'main'")
    assert metrics(at)["Rivejä yhteensä"] == fmt_number(total, "fi")
    assert any("koulutusosallistumiset" in df.value.iloc[:, 0].tolist() for df in at.dataframe)


@pytest.mark.parametrize("user, foreign", [
    ("johto", "pages/principal_unit.py"), ("rehtori", "pages/teacher_groups.py"),
    ("opettaja", "pages/admin_status.py"), ("admin", "pages/sector_overview.py"),
])
def test_other_roles_pages_are_not_routable(demo_env, user, foreign):
    at = login(user)
    with pytest.raises(ValueError):
        at.switch_page(foreign)


def test_wrong_password_is_refused_with_a_clear_message(demo_env, caplog):
    at = login("rehtori", "väärä-salasana")
    assert [e.value for e in at.error] == [t("login.failed")]
    assert not at.metric
    assert "login failed for user=rehtori" in caplog.text


def test_throttling_after_repeated_failures(demo_env):
    at = app()
    for _ in range(5):
        login("opettaja", "nope", at=at)
    login("opettaja", at=at)  # the right password no longer helps inside the window
    assert "Liian monta" in at.error[0].value
    assert not at.metric


def test_user_without_role(demo_env):
    at = login("vieras")
    assert [e.value for e in at.error] == [t("login.no_role")]
    assert not at.metric


@pytest.mark.parametrize("page", sorted(p.name for p in (PROJECT_ROOT / "pages").glob("*.py")))
def test_pages_refuse_to_render_on_their_own(demo_env, page):
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / page), default_timeout=30)
    at.run()
    assert [w.value for w in at.warning] == [t("guard.sign_in")]
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")


def test_a_forged_principal_in_session_state_is_refused(demo_env, principals):
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "teacher_groups.py"), default_timeout=30)
    at.session_state["tk_principal"] = principals["opettaja"]
    at.session_state["tk_session_token"] = "form:made-up"
    at.run()
    assert [w.value for w in at.warning] == [t("guard.sign_in")]
    assert not at.dataframe


# Logout, the session cookie and a copied cookie are tested in the browser (tests/browser).


def test_missing_warehouse_gives_a_message_not_a_trace(demo_env, tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(demo_env / "demo", home / "demo")
    (home / "warehouse").mkdir()
    monkeypatch.setenv("TILANNEKUVA_DATA_DIR", str(home))
    at = login("johto")
    assert not at.exception
    assert [e.value for e in at.error] == [t("error.warehouse")]


def test_corrupt_warehouse_gives_a_message(demo_env, tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(demo_env / "demo", home / "demo")
    (home / "warehouse").mkdir()
    (home / "warehouse" / "broken.duckdb").write_bytes(b"this is not a database" * 100)
    (home / "warehouse" / "CURRENT").write_text("broken.duckdb\n")
    monkeypatch.setenv("TILANNEKUVA_DATA_DIR", str(home))
    at = login("admin")
    assert not at.exception
    assert [e.value for e in at.error] == [t("error.warehouse")]


def test_production_without_a_cookie_key_refuses_to_start(demo_env, monkeypatch):
    monkeypatch.setenv("TILANNEKUVA_MODE", "production")
    at = app()
    at.run()
    assert not at.exception
    assert t("error.config") in [e.value for e in at.error]
    assert not at.text_input


def test_swedish_login_and_page(demo_env):
    at = app()
    at.session_state["tk_lang"] = "sv"
    login("johto", at=at)
    assert "Totalt 2026–2027" in metrics(at)
    assert at.title[0].value == "Stadens lägesbild"


def test_admin_loads_page_shows_history_problems_and_contracts(demo_env, tmp_path):
    from tilannekuva.ingest.history import LoadHistory
    from tilannekuva.ingest.load import ingest
    from tilannekuva.ingest.problems import LoadRejected

    bad = tmp_path / "palvelumuotoilu.csv"
    bad.write_text("conversation_id;school_year_id;unit_id;theme;held_on;participants\n"
                   "1;2024;999999;viestinta;1.10.2024;5\n", encoding="utf-8")
    history = LoadHistory(demo_env / "state" / "loads.sqlite")
    with pytest.raises(LoadRejected):
        ingest([bad], demo_env / "warehouse", history, run_by="tietohallinto")
    at = login("admin")
    at.switch_page("pages/admin_loads.py").run()
    assert not at.exception
    frames = [df.value for df in at.dataframe]
    history_table = next(f for f in frames if "Suorittaja" in f.columns)
    assert history_table.iloc[0]["Suorittaja"] == "tietohallinto"
    assert history_table.iloc[0]["Tulos"] == t("ingest.result.rejected")
    # The newest load is picked: its problem is shown with file, row and column, in Finnish.
    shown = texts(at)
    assert "palvelumuotoilu.csv, rivi 2, sarake unit_id: Arvoa 999999 ei löydy" in shown
    sources = next(f for f in frames if "Lähdejärjestelmä" in f.columns)
    assert len(sources) == 19 and "kirjautumiset" in sources["Lähde"].tolist()
    assert sources["Rivejä"].notna().all() and (sources["Rivejä"] > 0).all()
    contract = next(f for f in frames if "Sarake" in f.columns)
    assert contract["Sarake"].tolist()[:2] == ["school_year_id", "label"]     # first contract: lukuvuodet
    at.selectbox(key="contract_pick").set_value("poissaolot").run()
    contract = next(df.value for df in at.dataframe if "Sarake" in df.value.columns)
    assert "unexcused_hours" in contract["Sarake"].tolist()
