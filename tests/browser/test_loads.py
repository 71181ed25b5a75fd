"""Loads in a real browser: a signed-in page keeps loading while loads publish new versions, and
the admin sees a rejected load's problems on the loads page."""

import re
import threading

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import settle, shot, sign_in
from tilannekuva.demo import DEMO_PASSWORDS
from tilannekuva.ingest.history import LoadHistory
from tilannekuva.ingest.load import ingest
from tilannekuva.ingest.problems import LoadRejected
from tilannekuva.warehouse import current_file


def test_page_reloads_never_fail_while_new_versions_are_published(server, context, demo_exports):
    home = server["log"].parent
    history = LoadHistory(home / "state" / "loads.sqlite")
    page = context.new_page()
    sign_in(page, server["base"], "johto", DEMO_PASSWORDS["johto"])
    expect(page.locator('[data-testid="stMetricValue"]').first).to_be_visible(timeout=20_000)
    versions, errors = set(), []

    def publish_three():
        for _ in range(3):
            try:
                versions.add(
                    ingest(
                        [demo_exports / "koulutukset.xlsx"],
                        home / "warehouse",
                        history,
                        run_by="browser-test",
                        force=True,
                    ).version
                )
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)

    publisher = threading.Thread(target=publish_three, daemon=True)
    publisher.start()
    loads = 0
    while publisher.is_alive() or loads < 4:
        page.reload()
        settle(page)
        loads += 1
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
        expect(page.locator('[data-testid="stMetricValue"]').first).to_be_visible(timeout=20_000)
    publisher.join(timeout=120)
    assert not errors, errors
    assert len(versions) == 3 and current_file(home / "warehouse").name in versions
    assert "Traceback" not in server["log"].read_text()


def test_admin_sees_a_rejected_load_with_its_problems(server, context, tmp_path):
    home = server["log"].parent
    bad = tmp_path / "poissaolot_2026-11.csv"
    bad.write_bytes(
        (
            "school_year_id;month;pupil_id;group_id;unit_id;absence_hours;unexcused_hours\n"
            "2026;1.11.2026;12345678;1;101;4,5;9,0\n"
        ).encode("cp1252")
    )
    with pytest.raises(LoadRejected):
        ingest([bad], home / "warehouse", LoadHistory(home / "state" / "loads.sqlite"), run_by="tietohallinto")
    page = context.new_page()
    sign_in(page, server["base"], "admin", DEMO_PASSWORDS["admin"])
    page.goto(f"{server['base']}/admin_loads")
    settle(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Tietojen lataukset")).to_be_visible(timeout=20_000)
    expect(main.get_by_text(re.compile(r"poissaolot_2026-11\.csv, rivi 2, sarake pupil_id"))).to_be_visible()
    expect(main.get_by_text(re.compile(r"Selvittämättömiä tunteja on enemmän"))).to_be_visible()
    shot(page, "admin-loads")
    main.get_by_role("heading", name="Lähdesopimukset").scroll_into_view_if_needed()
    shot(page, "admin-loads-contracts")
