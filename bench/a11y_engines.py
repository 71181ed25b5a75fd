"""Error counts of the three accessibility engines on every page of every demo role (not a test).

Builds the tests' tiny demo city in a temporary directory, starts a server, signs in as each demo user in the
given language at 1366×900 and runs axe-core (serious/critical), HTML_CodeSniffer (WCAG2AA errors) and IBM
Equal Access (WCAG 2.1 violations) on each of the role's pages and the accessibility statement; prints the
errors per page and rule, the seconds per engine and page, and writes the whole list as JSON.

    .venv/bin/python bench/a11y_engines.py [--lang fi] [--users johto rehtori opettaja admin] [--out FILE]

Needs the engines (`make a11y-engines`) and Debian's chromium.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser.conftest import accessibility_violations, codesniffer_errors, equal_access_errors  # noqa: E402
from tests.conftest import TINY_SCALE, TINY_SEED  # noqa: E402
from tests.helpers import browser_sign_in, chromium, serve, settle  # noqa: E402
from tilannekuva.access import load_policy  # noqa: E402
from tilannekuva.demo import DEMO_PASSWORDS, build_demo  # noqa: E402
from tilannekuva.i18n import t  # noqa: E402
from tilannekuva.settings import PROJECT_ROOT  # noqa: E402

USERS = {"johto": "sector_lead", "rehtori": "principal", "opettaja": "teacher", "admin": "admin"}
LOCALES = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}
ENGINES = {"axe": accessibility_violations, "htmlcs": codesniffer_errors, "ibm": equal_access_errors}


def rule(line: str) -> str:
    """The rule of one error line: axe's id, HTML_CodeSniffer's code, IBM's ruleId."""
    return re.split(r"[ :]", line, maxsplit=1)[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="fi", choices=list(LOCALES))
    parser.add_argument("--users", nargs="+", default=list(USERS))
    parser.add_argument("--out", type=Path, default=Path("bench-results/a11y_engines.json"))
    args = parser.parse_args()
    policy = load_policy(PROJECT_ROOT / "roles.yaml")
    home = Path(tempfile.mkdtemp(prefix="a11y-"))
    build_demo(home / "warehouse", scale=TINY_SCALE, seed=TINY_SEED, config_dir=home / "demo")
    rows = []
    for info in serve(home):
        for browser in chromium():
            for user in args.users:
                ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale=LOCALES[args.lang])
                page = ctx.new_page()
                browser_sign_in(page, info["base"], user, DEMO_PASSWORDS[user], lang=args.lang)
                for i, page_id in enumerate([*policy.roles[USERS[user]].pages, "saavutettavuus"]):
                    title = t("page.accessibility" if page_id == "saavutettavuus" else f"page.{page_id}", args.lang)
                    if i:
                        nav = page.locator('[data-testid="stSidebarNav"]')
                        nav.get_by_role("link", name=title, exact=True).click()
                    settle(page)
                    page.wait_for_timeout(1500)  # charts and tables drawn
                    for engine, run in ENGINES.items():
                        started = time.perf_counter()
                        found = run(page)
                        seconds = time.perf_counter() - started
                        rows.append(
                            {
                                "user": user,
                                "page": page_id,
                                "engine": engine,
                                "seconds": round(seconds, 2),
                                "errors": found,
                            }
                        )
                        counts = Counter(rule(line) for line in found)
                        print(
                            f"{user:9} {page_id:20} {engine:6} {seconds:5.2f} s {len(found):4}  {dict(counts)}",
                            flush=True,
                        )
                ctx.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    for engine in ENGINES:
        mine = [r for r in rows if r["engine"] == engine]
        total = sum(len(r["errors"]) for r in mine)
        mean = sum(r["seconds"] for r in mine) / max(len(mine), 1)
        print(f"{engine}: {total} errors on {len(mine)} pages, {mean:.2f} s per page")


if __name__ == "__main__":
    main()
