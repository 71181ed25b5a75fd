"""The data-as-of dates and stale marks beside every figure are judged once per session (views/explain.py
`source_states`), not again beside each figure and on every rerun — and anew after a refresh or on the next
day (issue 21: 7 % of a sign-in burst went to judging freshness again and again)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import open_as
from tilannekuva import freshness


@pytest.fixture
def assessed(monkeypatch):
    calls = []
    real = freshness.assess

    def counting(sources, today):
        calls.append(today)
        return real(sources, today)

    monkeypatch.setattr(freshness, "assess", counting)
    return calls


@pytest.mark.parametrize(
    ("user", "page"), [("admin", "metric_catalogue"), ("rehtori", "principal_unit"), ("johto", "sector_overview")]
)
def test_a_rerun_judges_no_source_again(demo_env, assessed, user, page):
    at = open_as(user, page)
    assert not at.exception
    first = len(assessed)
    assert first >= 1
    at.run()  # a rerun: a filter change, a widget
    assert not at.exception
    assert len(assessed) == first


def test_the_next_day_judges_anew(demo_env, assessed, monkeypatch):
    from tilannekuva.settings import Settings

    at = open_as("rehtori", "principal_unit")
    first = len(assessed)
    next_day = assessed[0] + dt.timedelta(days=1)
    monkeypatch.setattr(Settings, "today_date", property(lambda self: next_day))
    at.run()
    assert not at.exception
    assert len(assessed) > first
    assert set(assessed[first:]) == {next_day}


def test_an_exports_metric_definitions_are_built_once_per_session(demo_env, monkeypatch):
    from tilannekuva.catalogue import render

    built = []
    real = render.entries

    def counting(*args, **kwargs):
        built.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(render, "entries", counting)
    at = open_as("rehtori", "principal_unit")
    assert not at.exception
    first = len(built)
    assert first >= 1
    at.run()
    assert len(built) == first
