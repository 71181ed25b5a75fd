"""Good loads: the round trip from exports, Finnish CSV conventions, idempotent re-loads, skips,
old-version clean-up, one writer at a time, and a load killed half-way."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from tilannekuva import duck
from tilannekuva.access import Principal
from tilannekuva.demo import DATA_AS_OF
from tilannekuva.ingest.contracts import CONTRACTS, contract_for_file, contracts_markdown
from tilannekuva.ingest.history import LoadHistory
from tilannekuva.ingest.load import PAUSE_ENV, ingest
from tilannekuva.settings import PROJECT_ROOT
from tilannekuva.warehouse import Warehouse, WarehouseBusy, close_all, current_file, writer_lock

CITY = Principal(username="t", display_name="t", role="sector_lead", pages=(), scope="all")


def _count(warehouse_dir: Path, table: str, where: str = "true") -> int:
    con = duck.connect(str(current_file(warehouse_dir)), read_only=True)
    try:
        return con.sql(f"select count(*) from {table} where {where}").fetchall()[0][0]
    finally:
        con.close()


def test_exports_load_into_an_empty_warehouse_and_match_the_source(demo_home, demo_exports, tmp_path):
    target = tmp_path / "warehouse"
    history = LoadHistory(tmp_path / "loads.sqlite")
    # Loaded on the demo's data-as-of day: the year-to-date parts (num_to_date) are cut on that date.
    result = ingest([demo_exports], target, history, run_by="test", today=DATA_AS_OF)
    assert result.result == "loaded"
    assert {f.result for f in result.files} == {"loaded"}
    formats = {f.format for f in result.files}
    assert formats == {"csv", "xlsx", "parquet"}
    for contract in CONTRACTS.values():
        assert _count(target, contract.table) == _count(demo_home / "warehouse", contract.table), contract.table
    # Rollups rebuilt by the load equal the generator's, so pages show the same numbers.
    for table in ("agg_eservice_monthly", "agg_training_reach"):
        assert _count(target, table) == _count(demo_home / "warehouse", table)
    # M4 is fed by Tilannekuva's own access log (not a source export), so it is left out here.
    loaded = Warehouse(target).fetch(CITY, "metric_parts_by_unit_year").frame.filter(pl.col("metric") != "M4")
    original = (
        Warehouse(demo_home / "warehouse")
        .fetch(CITY, "metric_parts_by_unit_year")
        .frame.filter(pl.col("metric") != "M4")
    )
    assert loaded.height > 400 and loaded.equals(original)
    sources = Warehouse(target).fetch(CITY, "data_freshness").frame
    assert set(sources["source"]) == {c.name for c in CONTRACTS.values() if c.as_of}
    close_all()


def test_finnish_csv_conventions_are_read(source_rows, home, history, tmp_path):
    """Windows-1252, ';', decimal comma, d.m.yyyy dates, kyllä/ei — the HR system's style."""
    text = (
        "staff_id;first_name;last_name;staff_group;is_leader\n"
        "900001;Äijä;Öhman-Söderström;rehtori;kyllä\n"
        "900002;Åsa;Ek;opettaja;ei\n"
    )
    (tmp_path / "henkilosto_uudet.csv").write_bytes(text.encode("cp1252"))
    absences = source_rows("poissaolot", 3).with_columns(
        pl.col("month").dt.strftime("%-d.%-m.%Y"),
        pl.lit("7,5").alias("absence_hours"),
        pl.lit("2,5").alias("unexcused_hours"),
    )
    (tmp_path / "poissaolot.csv").write_bytes(absences.write_csv(separator=";").encode("cp1252"))
    month = source_rows("poissaolot", 1)["month"][0]
    before_month = _count(home / "warehouse", "fct_absence", f"month = date '{month}'")
    ingest([tmp_path], home / "warehouse", history, run_by="test")
    con = duck.connect(str(current_file(home / "warehouse")), read_only=True)
    try:
        staff = con.sql(
            "select first_name, last_name, is_leader from dim_staff where staff_id >= 900001 order by staff_id"
        ).fetchall()
        hours = con.sql(
            "select distinct absence_hours::double, unexcused_hours::double from fct_absence where month = $m",
            params={"m": month},
        ).fetchall()
    finally:
        con.close()
    assert staff == [("Äijä", "Öhman-Söderström", True), ("Åsa", "Ek", False)]
    assert hours == [(7.5, 2.5)]
    # The file's month replaced the whole month: only its three rows remain for it.
    assert before_month > 3
    assert _count(home / "warehouse", "fct_absence", f"month = date '{month}'") == 3


def test_reloading_a_period_replaces_it_and_never_doubles(demo_exports, home, history):
    path = demo_exports / "poissaolot.csv"
    before = _count(home / "warehouse", "fct_absence")
    first = ingest([path], home / "warehouse", history, run_by="test")
    again = ingest([path], home / "warehouse", history, run_by="test", force=True)
    assert first.result == again.result == "loaded"
    assert again.files[0].rows_replaced == before
    assert _count(home / "warehouse", "fct_absence") == before


def test_identical_file_is_skipped_until_something_replaced_its_data(source_rows, home, state_history, tmp_path):
    history = state_history
    old = tmp_path / "a" / "palvelumuotoilu.csv"
    new = tmp_path / "b" / "palvelumuotoilu.csv"
    for path, participants in ((old, 7), (new, 9)):
        path.parent.mkdir()
        path.write_text(
            source_rows("palvelumuotoilu", 500)
            .filter(pl.col("school_year_id") == 2024)
            .with_columns(participants=pl.lit(participants))
            .write_csv(separator=";")
        )
    assert ingest([old], home / "warehouse", history).result == "loaded"
    version = current_file(home / "warehouse").name
    skipped = ingest([old], home / "warehouse", history)
    assert skipped.result == "skipped" and skipped.files[0].result == "skipped"
    assert current_file(home / "warehouse").name == version  # nothing was published
    assert ingest([new], home / "warehouse", history).result == "loaded"
    # The old file now differs from what is served for its period: loading it is a real change.
    assert ingest([old], home / "warehouse", history).result == "loaded"
    assert (
        _count(home / "warehouse", "fct_service_design_conversation", "school_year_id = 2024 and participants <> 7")
        == 0
    )
    results = history.loads(10)["result"].to_list()
    assert results == ["loaded", "loaded", "skipped", "loaded"]


def test_a_unit_and_its_facts_can_arrive_in_the_same_load(source_rows, home, history, tmp_path):
    unit = pl.DataFrame(
        {"unit_id": [990001], "name": ["Uusi koulu"], "language": ["fi"], "sector": ["perusopetus"], "district_id": [1]}
    )
    unit.write_excel(tmp_path / "yksikot_uusi.xlsx", worksheet="yksikot")
    conv = source_rows("palvelumuotoilu", 1).with_columns(unit_id=pl.lit(990001), conversation_id=pl.lit(990001))
    conv.write_parquet(tmp_path / "palvelumuotoilu_uusi.parquet")
    before = _count(home / "warehouse", "fct_service_design_conversation")
    ingest([tmp_path], home / "warehouse", history)
    assert _count(home / "warehouse", "dim_unit", "unit_id = 990001") == 1
    # The parquet file replaced its school year: its one row is what remains of that year.
    year = conv["school_year_id"][0]
    assert _count(home / "warehouse", "fct_service_design_conversation", f"school_year_id = {year}") == 1
    assert _count(home / "warehouse", "fct_service_design_conversation") < before


def test_upsert_updates_a_renamed_unit_and_keeps_the_rest(source_rows, home, history, tmp_path):
    units = source_rows("yksikot", 3).with_columns(name=pl.col("name") + " (peruskorjattu)")
    units.write_csv(tmp_path / "yksikot.csv")
    total = _count(home / "warehouse", "dim_unit")
    result = ingest([tmp_path / "yksikot.csv"], home / "warehouse", history)
    assert result.files[0].rows_replaced == 3
    assert _count(home / "warehouse", "dim_unit") == total
    assert _count(home / "warehouse", "dim_unit", "name like '%(peruskorjattu)'") == 3


def test_old_versions_are_removed_and_the_previous_one_kept(demo_exports, home, history):
    for _ in range(3):
        ingest([demo_exports / "ryhmien_opettajat.csv"], home / "warehouse", history, force=True)
    files = sorted((home / "warehouse").glob("tilannekuva-*.duckdb"))
    assert len(files) == 2
    assert current_file(home / "warehouse") in files
    assert not list((home / "warehouse").glob(".building-*"))


def test_a_second_load_while_one_runs_is_refused(demo_exports, home, history):
    with writer_lock(home / "warehouse"):
        with pytest.raises(WarehouseBusy, match="pid"):
            ingest([demo_exports / "alueet.xlsx"], home / "warehouse", history)


def _cli(home: Path, *args: str, env: dict | None = None, **kw):
    environ = {**os.environ, "TILANNEKUVA_DATA_DIR": str(home), "TILANNEKUVA_MODE": "demo", **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "tilannekuva.cli", *args],
        env=environ,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=PROJECT_ROOT,
        **kw,
    )


def test_load_killed_half_way_leaves_the_served_version_intact(demo_exports, home, fingerprint, state):
    """…and the next load, on whichever machine, records the killed one as interrupted in the shared history."""
    before = fingerprint(home / "warehouse")
    slow = _cli(
        home,
        "ingest",
        str(demo_exports / "poissaolot.csv"),
        str(demo_exports / "henkilosto.csv"),
        env={PAUSE_ENV: "60", **state.env()},
    )
    deadline = time.monotonic() + 60
    line = ""
    while "PAUSED" not in line and time.monotonic() < deadline:
        line = slow.stdout.readline()
    assert "PAUSED" in line, slow.stderr.read()
    assert list((home / "warehouse").glob(".building-*.duckdb"))  # half-written, never served
    second = _cli(home, "ingest", str(demo_exports / "alueet.xlsx"), env=state.env())
    out, err = second.communicate(timeout=60)
    assert second.returncode == 3, err
    assert "Toinen lataus on käynnissä" in err
    slow.send_signal(signal.SIGKILL)
    slow.wait(timeout=30)
    assert fingerprint(home / "warehouse")[0::2] == before[0::2]  # CURRENT and its bytes
    rows = Warehouse(home / "warehouse").fetch(CITY, "metric_parts_by_unit_year").frame
    assert rows.height > 0
    close_all()
    # The next load cleans up, records the killed one as interrupted, and succeeds.
    third = _cli(home, "ingest", str(demo_exports / "alueet.xlsx"), "--force", env=state.env())
    out, err = third.communicate(timeout=120)
    assert third.returncode == 0, err
    assert not list((home / "warehouse").glob(".building-*"))
    history = LoadHistory(state.db("loads") if state.url else home / "state" / "loads.sqlite").loads(5)
    assert history["message"].to_list()[-1] == "interrupted"
    assert history["result"].to_list() == ["loaded", "failed"]  # the refused second load left no record


def test_cli_rejection_exits_1_with_file_row_and_column(source_rows, home, tmp_path):
    frame = source_rows("palvelumuotoilu", 3).with_columns(pl.col("participants").cast(pl.String))
    frame = frame.with_columns(participants=pl.Series(["5", "kolme", "4"]))
    path = tmp_path / "palvelumuotoilu.csv"
    path.write_text(frame.write_csv(separator=";"))
    proc = _cli(home, "ingest", "--lang", "fi", str(path))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert "palvelumuotoilu.csv, rivi 3, sarake participants: Arvo ”kolme” ei ole kokonaisluku." in err
    assert "Tietovarastoon ei tehty muutoksia" in err


def test_contract_document_is_generated_from_the_contracts():
    doc = (PROJECT_ROOT / "docs" / "CONTRACTS.md").read_text(encoding="utf-8")
    assert doc.strip() == contracts_markdown().strip(), "run: tilannekuva contracts > docs/CONTRACTS.md"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("kirjautumiset_2026-10.csv", "kirjautumiset"),
        ("Poissaolot.CSV", "poissaolot"),
        ("koulutuspalaute-syksy.xlsx", "koulutuspalaute"),
        ("koulutukset.parquet", "koulutukset"),
        ("raportti.csv", None),
        ("oppilaatx.csv", None),
    ],
)
def test_file_names_name_their_source(name, expected):
    from tilannekuva.ingest.contracts import contract_for_file

    found = contract_for_file(name)
    assert (found.name if found else None) == expected


def test_dates_after_the_load_day_are_refused(source_rows, home, history, tmp_path):
    frame = source_rows("koulutusosallistumiset", 2)
    frame.write_csv(tmp_path / "koulutusosallistumiset.csv")
    earliest = frame["attended_on"].min()
    from tilannekuva.ingest.problems import LoadRejected

    with pytest.raises(LoadRejected):
        ingest(
            [tmp_path / "koulutusosallistumiset.csv"],
            home / "warehouse",
            history,
            today=earliest - dt.timedelta(days=1),
        )


def _age_schema(warehouse_dir: Path) -> None:
    """Make the served file look like one of schema version 1."""
    served = current_file(warehouse_dir)
    con = duck.connect(str(served))
    con.execute("update meta_schema_version set version = 1")
    con.close()


def test_a_load_into_an_older_schema_is_refused_and_recorded(demo_exports, home, state_history):
    history = state_history
    from tilannekuva.ingest.load import LoadFailed

    _age_schema(home / "warehouse")
    version = current_file(home / "warehouse").name
    with pytest.raises(LoadFailed, match="schema version 1"):
        ingest([demo_exports / "alueet.xlsx"], home / "warehouse", history)
    assert current_file(home / "warehouse").name == version
    assert history.loads(1)["result"][0] == "failed"


def test_demo_if_missing_rebuilds_an_older_schema_but_keeps_a_current_one(home, monkeypatch, capsys):
    from tilannekuva.cli import main

    monkeypatch.setenv("TILANNEKUVA_MODE", "demo")
    version = current_file(home / "warehouse").name
    assert main(["demo", "--scale", "0.02", "--data-dir", str(home), "--if-missing"]) == 0
    assert current_file(home / "warehouse").name == version
    _age_schema(home / "warehouse")
    assert main(["demo", "--scale", "0.02", "--data-dir", str(home), "--if-missing"]) == 0
    assert "older schema" in capsys.readouterr().out
    assert current_file(home / "warehouse").name != version


def test_demo_command_writes_exports_in_each_systems_format(tmp_path, monkeypatch):
    from tilannekuva.cli import main

    monkeypatch.setenv("TILANNEKUVA_MODE", "demo")
    assert (
        main(["demo", "--scale", "0.02", "--data-dir", str(tmp_path / "data"), "--exports", str(tmp_path / "exports")])
        == 0
    )
    files = {p.name for p in (tmp_path / "exports").iterdir()}
    assert {
        "yksikot.xlsx",
        "henkilosto.csv",
        "poissaolot.csv",
        "arvioinnit.parquet",
        "kirjautumiset_2026.parquet",
    } <= files
    assert {contract_for_file(f).name for f in files} == set(CONTRACTS)
    # The HR system's export is Windows-1252 with ';' and Finnish dates and truth values.
    raw = (tmp_path / "exports" / "palvelussuhteet.csv").read_bytes()
    assert raw.startswith(b"school_year_id;staff_id;unit_id")
    henkilosto = (tmp_path / "exports" / "henkilosto.csv").read_bytes().decode("cp1252")
    assert ";kyllä" in henkilosto or ";ei" in henkilosto


def test_tilannekuvas_own_use_loads_into_m4_beside_the_demo_pilot(demo_home, home, history, tmp_path, monkeypatch):
    """`tilannekuva usage-export` writes the access log's user-months; loading them feeds M4 and
    replaces only the access-log rows of those months (the demo pilot's rows stay)."""
    from tilannekuva.audit import AccessLog
    from tilannekuva.cli import main

    log = AccessLog(home / "state" / "access_log.sqlite")
    ((unit,),) = (
        duck.connect(str(current_file(home / "warehouse")), read_only=True)
        .sql("select min(unit_id) from dim_unit")
        .fetchall()
    )
    log.record("maija", "principal", "sign_in", "session", "login", {"units": [unit]}, 0)
    monkeypatch.setenv("TILANNEKUVA_DATA_DIR", str(home))
    monkeypatch.setenv("TILANNEKUVA_MODE", "demo")
    assert main(["usage-export", str(tmp_path)]) == 0
    before_demo = _count(home / "warehouse", "fct_dashboard_use", "source = 'demo'")
    for _ in range(2):  # twice: replaced, not doubled
        ingest([tmp_path / "tilannekuva_kaytto.csv"], home / "warehouse", history, force=True, today=dt.date.today())
    assert _count(home / "warehouse", "fct_dashboard_use", "source = 'access_log' and username = 'maija'") == 1
    assert _count(home / "warehouse", "fct_dashboard_use", "source = 'demo'") == before_demo


def _meta(warehouse_dir: Path) -> dict[str, tuple]:
    con = duck.connect(str(current_file(warehouse_dir)), read_only=True)
    try:
        return {
            s: (d, at) for s, d, at in con.execute("select source, data_as_of, loaded_at from meta_source").fetchall()
        }
    finally:
        con.close()


def test_a_sources_date_stays_with_its_own_load(demo_exports, home, history):
    """Attack finding 19a-1: a load of one source recomputed every source's data-as-of date capped at THAT
    load's day, so support data holding a decision that starts next autumn (the contract allows it) became
    'as of' the day of any later load — fresh for ever — and every source showed the last load's time as
    its own. Now a source not in the load keeps the date and time of the load that brought its data."""
    warehouse = home / "warehouse"
    con = duck.connect(str(current_file(warehouse)))
    try:  # the served support data hold one decision planned to start in 300 days
        con.execute(
            "update fct_support_decision set valid_from = ? "
            "where decision_id = (select min(decision_id) from fct_support_decision)",
            [DATA_AS_OF + dt.timedelta(days=300)],
        )
    finally:
        con.close()
    before = _meta(warehouse)
    later = DATA_AS_OF + dt.timedelta(days=180)  # half a year on, only the absences arrive
    assert ingest([demo_exports / "poissaolot.csv"], warehouse, history, run_by="test", today=later).result == "loaded"
    after = _meta(warehouse)
    assert after["tukipaatokset"] == before["tukipaatokset"]
    assert {s: v for s, v in after.items() if s != "poissaolot"} == {
        s: v for s, v in before.items() if s != "poissaolot"
    }
    assert after["poissaolot"][1] > before["poissaolot"][1]  # the loaded source: a new load time


def test_a_register_snapshot_is_as_of_the_day_it_was_loaded(demo_exports, home, history):
    """Attack finding 19b-2: the support decisions' data-as-of was the latest decision's start (1.8.), so an
    export of the decisions in force loaded yesterday read 'data up to 1.8.' and was marked stale. A snapshot
    of a register is as of the day the load brought it."""
    later = DATA_AS_OF + dt.timedelta(days=40)
    assert ingest([demo_exports / "tukipaatokset.csv"], home / "warehouse", history, today=later).result == "loaded"
    assert _meta(home / "warehouse")["tukipaatokset"][0] == later
