"""Consistency rules on constructed passages (written for these tests; no data-set or seed text)."""

from __future__ import annotations

import pytest

from narrascope import Document
from narrascope.analyzers.consistency import ConsistencyAnalyzer, check_text
from narrascope.analyzers.quantities import parse_dates, parse_numbers, words_to_number
from narrascope.text import sentences


def findings(text: str) -> list[dict]:
    return check_text(text, sentences(text))


def verdicts(text: str, rule: str) -> list[str]:
    return [f["verdict"] for f in findings(text) if f["rule"] == rule]


# ---- number parsing ---------------------------------------------------------------------------------------
def test_parse_numbers_kinds_and_values():
    text = "About 1,250 workers, 3.5 million euros, twenty-five buses, 35.6 percent, two-thirds, half and a quarter."
    got = {(n.kind, round(n.value, 4)) for n in parse_numbers(text)}
    assert ("count", 1250.0) in got and ("count", 3500000.0) in got and ("count", 25.0) in got
    assert ("percent", 0.356) in got and ("fraction", 0.6667) in got and ("fraction", 0.5) in got
    assert ("fraction", 0.25) in got
    first = parse_numbers(text)[0]
    assert first.hedge == "about" and first.unit == "worker"
    assert text[first.start:first.end] == "1,250"


def test_words_and_years():
    assert words_to_number("twenty-five") == 25
    assert words_to_number("two hundred") == 200
    assert [n.year for n in parse_numbers("In 2021 the club had 2000 members.")] == [True, False]


def test_parse_dates():
    ds = parse_dates("On 5 May 2023 and on June 7, the board met; the plan dates from 2019-03-02.")
    assert [(d.year, d.month, d.day) for d in ds] == [(2023, 5, 5), (None, 6, 7), (2019, 3, 2)]


# ---- (a) arithmetic: part / whole / stated share ----------------------------------------------------------------
def test_fraction_wrong_fires_and_cites_both():
    text = "Last year the ministry deployed 240 engineers abroad. Of these, one-third (100 people) went north."
    f = [x for x in findings(text) if x["rule"] == "arithmetic"]
    assert [x["verdict"] for x in f] == ["inconsistent"]
    roles = {c["role"]: c["text"] for c in f[0]["cited"]}
    assert roles == {"part": "100", "whole": "240", "stated_share": "one-third"}
    for c in f[0]["cited"]:
        assert text[c["start"]:c["end"]] == c["text"]
    assert "41.7 %" in f[0]["explanation"]


def test_correct_arithmetic_does_not_fire():
    assert verdicts("Last year the ministry deployed 240 engineers abroad. Of these, one-third (80 people) "
                    "went north.", "arithmetic") == ["consistent"]
    assert verdicts("Of the 800 respondents, 200 (25%) said they were unhappy.", "arithmetic") == ["consistent"]


def test_round_fraction_word_within_ten_percent_does_not_fire():
    # 139/390 = 35.6 %: a plain "one-third" is a round figure, ±10 % relative (30.0-36.7 %)
    assert verdicts("The agency hired 390 drivers in spring. Of them, one-third (139 people) were women.",
                    "arithmetic") == ["consistent"]


def test_hedged_fraction_within_tolerance_does_not_fire():
    assert verdicts("The board sold 40 of the 120 depots, or about a third of the network.", "arithmetic") == ["consistent"]
    assert verdicts("The board sold 36 of the 120 depots, or about a third of the network.", "arithmetic") == ["consistent"]
    assert verdicts("The board sold 58 of the 120 depots, which is almost half of the network.", "arithmetic") == ["consistent"]


def test_hedged_fraction_outside_tolerance_fires():
    assert verdicts("The board sold 30 of the 120 depots, or about a third of the network.", "arithmetic") == ["inconsistent"]
    assert verdicts('The board sold 45 of the 120 depots, which is "almost half" of the network.',
                    "arithmetic") == ["inconsistent"]


def test_almost_means_not_above():
    assert verdicts("The club lost 70 of its 120 members, almost half of them.", "arithmetic") == ["inconsistent"]


def test_exact_percentage_tolerance():
    assert verdicts("Of the 800 respondents, 300 (25%) said they were unhappy.", "arithmetic") == ["inconsistent"]
    assert verdicts("Of the 800 respondents, 204 (25%) said they were unhappy.", "arithmetic") == ["consistent"]


def test_no_whole_no_check():
    assert findings("Sales rose by 12 percent in 2022, and two thirds of buyers were under 30.") == []


# ---- (b) totals -----------------------------------------------------------------------------------------------
def test_total_not_adding_up_fires():
    f = [x for x in findings("A total of 120 volunteers came: 50 from the north, 40 from the south and 20 "
                             "from the capital.") if x["rule"] == "total"]
    assert [x["verdict"] for x in f] == ["inconsistent"]
    assert {c["role"] for c in f[0]["cited"]} == {"total", "parts"}
    assert "110" in f[0]["explanation"]


def test_total_adding_up_does_not_fire():
    assert verdicts("A total of 110 volunteers came: 50 from the north, 40 from the south and 20 from the capital.",
                    "total") == ["consistent"]


def test_including_only_bounds_the_total():
    assert verdicts("A total of 90 houses burned, including 30 farms and 20 shops.", "total") == ["consistent"]
    assert verdicts("A total of 40 houses burned, including 30 farms and 20 shops.", "total") == ["inconsistent"]


def test_hedged_total_tolerates_rounding():
    assert verdicts("A total of about 120 volunteers came: 50 from the north, 40 from the south and 25 from the "
                    "capital.", "total") == ["consistent"]


# ---- (c) contradictions ---------------------------------------------------------------------------------------
def test_contradictory_numbers_fire():
    text = ("The regional agency said the spring flood displaced 3,000 families in the valley. "
            "Later reports were calm. Officials of the regional agency repeated that the spring flood displaced "
            "4,500 families.")
    f = [x for x in findings(text) if x["rule"] == "contradiction"]
    assert len(f) == 1 and {c["text"] for c in f[0]["cited"]} == {"3,000", "4,500"}


def test_different_times_or_more_do_not_contradict():
    assert verdicts("The regional agency said the spring flood displaced 3,000 families. A week later the spring "
                    "flood displaced another 4,500 families.", "contradiction") == []
    assert verdicts("In 2020 the regional agency counted 3,000 families in the valley. In 2022 the regional "
                    "agency counted 4,500 families in the valley.", "contradiction") == []


def test_same_number_or_hedged_close_numbers_do_not_contradict():
    assert verdicts("The regional agency said the spring flood displaced 3,000 families. The regional agency said "
                    "the spring flood displaced about 3,200 families.", "contradiction") == []


# ---- (d) dates ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["The programme ran from 2023 to 2021 in four towns.",
                                  "The exhibition is open between 12 June and 3 June."])
def test_reversed_range_fires(text):
    assert verdicts(text, "date_order") == ["inconsistent"]


def test_sequence_going_back_fires():
    text = "The talks opened on 5 May in Geneva. Then, on 2 May, the delegates signed the accord."
    f = [x for x in findings(text) if x["rule"] == "date_order"]
    assert len(f) == 1 and [c["text"] for c in f[0]["cited"]] == ["5 May", "2 May"]


@pytest.mark.parametrize("text", ["The programme ran from 2019 to 2021 in four towns.",
                                  "The talks opened on 2 May in Geneva. Then, on 5 May, the delegates signed.",
                                  "The talks opened on 5 May. On 2 May, a week before, the agenda was sent."])
def test_dates_in_order_do_not_fire(text):
    assert verdicts(text, "date_order") == []


# ---- the analyzer ----------------------------------------------------------------------------------------------
def test_analyzer_writes_groups_and_spans():
    text = ("Depots sold\n\nLast year the ministry deployed 240 engineers abroad. Of these, one-third (100 people) "
            "went north.\n\nThe programme ran from 2023 to 2021.")
    doc = ConsistencyAnalyzer()(Document(text))
    groups = doc.groups["consistency"]
    assert {(g.kind, g.label) for g in groups} == {("arithmetic", "inconsistent"), ("date_order", "inconsistent")}
    for g in groups:
        assert len(g.span_ids) >= 2 and g.attrs["explanation"]
        for sid in g.span_ids:
            span = doc.span_by_id(sid)
            assert span.attrs["group"] == g.id and doc.text[span.start:span.end]
    Document.from_json(doc.to_json())  # JSON-safe


def test_analyzer_can_drop_consistent_checks():
    text = "Last year the ministry deployed 240 engineers abroad. Of these, one-third (80 people) went north."
    assert ConsistencyAnalyzer()(Document(text)).groups["consistency"][0].label == "consistent"
    assert ConsistencyAnalyzer(keep_consistent=False)(Document(text)).groups["consistency"] == []
