"""Issue 18 item 16: the admin pages read as a data-protection officer can explain them — sources,
tables and column types in words, no command lines or 'see README', the access log's targets, sign-in
ways and filters in words (not 'client=127.0.0.1, method=cookie'), users by name — and the export
register lists the exports (it compared the action's words with the code 'export' and was always empty)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import OfferedDownloads
from tests.helpers import login, open_as, tables_of
from tilannekuva.i18n import t

DEVELOPER = re.compile(r"README|`tilannekuva|\btilannekuva (ingest|users|access-log)|Latautapa|suppression_threshold")


def _texts(at) -> list[str]:
    return [str(e.value) for kind in ("markdown", "caption", "info", "success") for e in getattr(at, kind)]


def _column(at, header_key: str) -> list:
    frame = next(df.value for df in tables_of(at) if t(header_key) in df.value.columns)
    return list(frame[t(header_key)])


def _identifier(value) -> bool:
    """A developer's name: snake_case or a table prefix, as in 'ryhmien_opettajat' or 'dim_pupil'."""
    return isinstance(value, str) and re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", value) is not None


@pytest.mark.parametrize(
    ("page", "columns_in_words"),
    [
        ("admin_status", ["col.source", "col.contents"]),  # sources and warehouse tables by what they hold
        ("admin_loads", ["col.source", "col.type"]),  # 'ryhmien_opettajat', 'int', 'str' before
        ("admin_users", ["col.name"]),  # the person's name beside the username
    ],
)
def test_admin_pages_say_things_in_words(demo_env, page, columns_in_words):
    at = open_as("admin", page)
    assert not at.exception, at.exception
    assert not [text for text in _texts(at) if DEVELOPER.search(text)]
    for key in columns_in_words:
        values = _column(at, key)
        assert values and not [v for v in values if _identifier(v) or v in ("int", "bigint", "str", "bool")], key


def test_users_are_listed_with_their_names(demo_env):
    names = dict(
        zip(
            _column(open_as("admin", "admin_users"), "col.user"),
            _column(open_as("admin", "admin_users"), "col.name"),
            strict=True,
        )
    )
    assert names["opettaja"] == "Opettaja Demo" and names["rehtori"] == "Rehtori Demo"


def test_the_access_log_reads_in_words_and_its_export_register_lists_exports(demo_env, monkeypatch):
    login("rehtori")  # a sign-in with the form
    offered = OfferedDownloads(monkeypatch)
    open_as("rehtori", "principal_support")
    next(produce for name, produce in offered.offered if name.startswith("tukisignaalit-"))()  # an export
    at = open_as("admin", "admin_access_log")
    assert not at.exception, at.exception
    assert not [text for text in _texts(at) if DEVELOPER.search(text)]
    filters = _column(at, "col.filters_text")
    assert filters and not [f for f in filters if "=" in f]  # 'Kirjautumistapa: salasana', not 'method=password'
    assert any(t("logfilter.method") + ": " + t("logmethod.password") in f for f in filters)
    assert t("target.support_signals") in _column(at, "col.log_target")  # not 'support_signals'
    assert t("logmethod.login") in _column(at, "col.page")  # a sign-in's way, not 'login'
    register = tables_of(at)[1].value  # the export register: the export made above is in it
    assert (register[t("col.action")] == t("action.export")).any()
    assert t("accesslog.no_exports") not in [i.value for i in at.info]


def test_the_source_contracts_are_picked_by_name(demo_env):
    options = open_as("admin", "admin_loads").selectbox(key="contract_pick").options
    assert t("source.ryhmien_opettajat") in options and not [o for o in options if _identifier(o)]
