"""Mitä uutta in a real browser after a real data load (issue 20): rehtori signs in (a first visit) and
out; Wilma's absence export, with more hours for the pupils of rehtori's unit, is loaded by
`tilannekuva ingest --no-digest` into the served data directory; at the next sign-in the landing page
lists the load and the pupils who crossed the absence threshold, and the link opens the support page
filtered to the unit and the school year."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import time

from playwright.sync_api import expect

from tests.browser.conftest import settle, shot, sign_in
from tilannekuva import whatsnew
from tilannekuva.demo import DEMO_PASSWORDS
from tilannekuva.digest import Runner
from tilannekuva.i18n import fmt_date, t
from tilannekuva.inert import WORD_JOINER
from tilannekuva.notifications import Notifications
from tilannekuva.settings import PROJECT_ROOT, load_settings

MORE_HOURS = 70  # added to each pupil's latest month: more than the concern threshold (60 h a term)


def more_absence(exports, out, unit_id: int) -> None:
    """Wilma's absence export (Windows-1252, ';', decimal comma) with MORE_HOURS more in the latest month
    for every pupil of `unit_id`."""
    source = next(exports.glob("poissaolot*.csv"))
    rows = list(csv.reader(io.StringIO(source.read_bytes().decode("cp1252")), delimiter=";"))
    header, body = rows[0], rows[1:]
    unit, month, hours = header.index("unit_id"), header.index("month"), header.index("absence_hours")

    def day(text):  # d.m.yyyy
        d, m, y = (int(x) for x in text.split("."))
        return (y, m, d)

    latest = max(day(r[month]) for r in body if int(r[unit]) == unit_id)
    for r in body:
        if int(r[unit]) == unit_id and day(r[month]) == latest:
            r[hours] = f"{float(r[hours].replace(',', '.')) + MORE_HOURS:.1f}".replace(".", ",")
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator="\n").writerows([header, *body])
    out.mkdir()
    (out / source.name).write_bytes(text.getvalue().encode("cp1252"))


def snapshot_as(user: str, home) -> whatsnew.Snapshot:
    """The user's snapshot as the digest runner takes it, on the served data directory."""
    env = {"TILANNEKUVA_MODE": "demo", "TILANNEKUVA_DATA_DIR": str(home)}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        runner = Runner(load_settings())
        return runner.snapshot(runner.principal(user))
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)


def test_after_a_load_the_landing_page_lists_it_and_links_to_the_filtered_support_page(
    server, context, demo_exports, tmp_path
):
    started = time.monotonic()
    home, base = server["home"], server["base"]
    page = context.new_page()
    sign_in(page, base, "rehtori", DEMO_PASSWORDS["rehtori"])
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text(t("whatsnew.page.first_visit", "fi"))).to_be_visible(timeout=20_000)
    page.get_by_role("button", name=t("login.logout", "fi")).click()
    settle(page)

    before = snapshot_as("rehtori", home)
    (place,) = before.places
    unit_id = int(place.split(":")[1])
    more_absence(demo_exports, tmp_path / "load", unit_id)
    loaded = subprocess.run(
        [sys.executable, "-m", "tilannekuva.cli", "ingest", str(tmp_path / "load"), "--no-digest"],
        env={**os.environ, "TILANNEKUVA_MODE": "demo", "TILANNEKUVA_DATA_DIR": str(home)},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    after = snapshot_as("rehtori", home)
    assert after.version != before.version
    crossed = {p for p, level in after.absence[place].items() if p not in before.absence[place]}
    assert crossed, "the load made no pupil cross the concern threshold"

    sign_in(page, base, "rehtori", DEMO_PASSWORDS["rehtori"])
    news = main.locator(".st-key-whats_new")
    expect(news.get_by_role("heading", name=t("whatsnew.page.title", "fi"))).to_be_visible(timeout=20_000)
    name = after.places[place]
    concern = t("whatsnew.at_place", "fi", place=name, text=t("whatsnew.absence.concern", "fi", count=len(crossed)))
    concern = concern.replace(":", ":" + WORD_JOINER)  # as md() writes it: no link or emoji code can form
    expect(news.get_by_role("link", name=concern)).to_be_visible()
    as_of = fmt_date(dt.date.fromisoformat(after.loads["poissaolot"][0]), "fi")
    wilma = whatsnew.Change("loads", "loaded", subject="poissaolot", after=after.loads["poissaolot"][0]).text("fi")
    assert as_of in wilma and "Wilma" in wilma
    loaded_text = wilma.replace(":", ":" + WORD_JOINER)
    expect(news.get_by_role("link", name=loaded_text, exact=True)).to_have_count(1)  # the one source loaded
    expect(news.get_by_role("link")).to_have_count(len(whatsnew.changes(before, after, whatsnew.default_rules())))
    assert not news.get_by_text(re.compile("Henkilöstöhallinto|Opetushallinto")).count()
    shot(page, "whats-new-after-load")

    news.get_by_role("link", name=concern).click()
    settle(page)
    year = after.school_year_id
    expect(page).to_have_url(re.compile(rf"/principal_support\?yksikko={unit_id}&lukuvuosi={year}$"), timeout=20_000)
    expect(main.get_by_role("heading", name=name, exact=True).first).to_be_visible(timeout=20_000)
    expect(
        main.get_by_role(
            "heading", name=re.compile("^" + re.escape(t("psupport.signals_header", "fi", year="X")).split("X")[0])
        )
    ).to_be_visible()
    shot(page, "whats-new-link-to-support")
    print(f"\nwhats new browser test: {time.monotonic() - started:.1f} s")


def test_a_link_to_the_landing_page_itself_opens_it_filtered(server, context):
    """A metric's change links to the principal's landing page with ?yksikko=…&mittari=…&lukuvuosi=…: the
    click must keep the parameters (the page shows that metric's trend), not just reopen the page."""
    home, base = server["home"], server["base"]
    now = snapshot_as("rehtori", home)
    (place,) = now.places
    lights = json.loads(json.dumps(now.metrics))
    metric = next(m for m, (light, _) in sorted(lights[place].items()) if light in ("green", "amber", "red"))
    lights[place][metric][0] = {"green": "red", "amber": "green", "red": "amber"}[lights[place][metric][0]]
    Notifications(home / "state" / "notifications.sqlite").visit(
        "rehtori", "an earlier session", dataclasses.replace(now, metrics=lights)
    )
    page = context.new_page()
    sign_in(page, base, "rehtori", DEMO_PASSWORDS["rehtori"])
    news = page.locator('[data-testid="stMain"] .st-key-whats_new')
    link = news.get_by_role("link", name=re.compile(rf"^{re.escape(now.places[place])}:{WORD_JOINER} {metric} "))
    expect(link).to_have_count(1, timeout=20_000)
    link.click()
    settle(page)
    unit_id = place.split(":")[1]
    expect(page).to_have_url(re.compile(rf"\?yksikko={unit_id}&mittari={metric}&lukuvuosi={now.school_year_id}$"))
    chosen = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=t("filter.metric", "fi"))
    expect(chosen).to_have_value(re.compile(rf"^{metric} "))
    shot(page, "whats-new-link-to-landing")
