"""A change from last year as users read it (issue 18 item 6): a change that rounds to zero is '±0,0' with no
arrow and no colour — not a green rising '↑ 0,0'; shares in percentage points, means in points."""

import pytest

from views import labels


@pytest.mark.parametrize(
    "metric, value, previous, lang, text, flat",
    [
        ("M1", 0.73, 0.66, "fi", "+7,0 %-yks. edellisvuodesta", False),
        ("M1", 0.47, 0.73, "fi", "-26,0 %-yks. edellisvuodesta", False),
        ("M1", 0.5, 0.5, "fi", "±0,0 %-yks. edellisvuodesta", True),
        ("M1", 0.50004, 0.5, "sv", "±0,0 %-enh. från föregående år", True),  # rounds to zero
        ("M1", 0.49996, 0.5, "en", "±0.0 pp from last year", True),  # no '-0,0' either
        ("M2", 4.12, 4.02, "fi", "+0,10 edellisvuodesta", False),
        ("M2", 4.12, 4.12, "en", "±0.00 from last year", True),
        ("M2", 4.12, None, "fi", None, False),
    ],
)
def test_metric_delta(metric, value, previous, lang, text, flat):
    delta = labels.metric_delta(metric, value, previous, lang)
    assert delta == text
    assert (labels.delta_style(delta) == {"delta_color": "off", "delta_arrow": "off"}) is flat


@pytest.mark.parametrize(
    "count, lang, text",
    [(0, "fi", ""), (3, "fi", " (3 solua)"), (1234, "sv", " (1\u00a0234 celler)"), (2, "en", " (2 cells)")],
)
def test_hidden_cells_are_told_only_when_there_are_some(count, lang, text):
    """Issue 18 item 11: '(0 solua)' under a chart with nothing hidden was noise; the rule itself is still stated."""
    assert labels.hidden_cells(count, lang) == text
