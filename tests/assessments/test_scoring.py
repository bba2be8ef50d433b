"""The arithmetic of an assessment: completion (capped), growth, weights and grades."""

from decimal import Decimal as D

import pytest

from assessments.scoring import change_percent, completion_percent, grade_for, score_item

COMPLETION, GROWTH = "completion", "growth"


def test_completion_is_actual_over_target():
    assert completion_percent(D(90), D(120)) == D("75.00")
    assert completion_percent(D(1), D(3)) == D("33.33")


def test_completion_needs_a_positive_target():
    assert completion_percent(D(90), None) is None
    assert completion_percent(D(90), D(0)) is None


def test_completion_points_are_weight_times_completion_capped():
    under = score_item(COMPLETION, D(10), D(120), actual=D(80), target=D(100), previous=None)
    assert (under.completion, under.points) == (D("80.00"), D("8.00"))
    over = score_item(COMPLETION, D(10), D(120), actual=D(300), target=D(100), previous=None)
    assert over.completion == D("300.00")
    assert over.points == D("12.00")  # capped at 120 %
    strict = score_item(COMPLETION, D(10), D(100), actual=D(300), target=D(100), previous=None)
    assert strict.points == D("10.00")


def test_no_target_no_points():
    result = score_item(COMPLETION, D(10), D(120), actual=D(300), target=None, previous=D(1))
    assert result.completion is None and result.points == D("0.00")


def test_lower_is_better_completion():
    # Half the target cost is 200 %; the rubric cap limits what it earns.
    assert completion_percent(D(50), D(100), higher_is_better=False) == D("200.00")
    assert completion_percent(D(200), D(100), higher_is_better=False) == D("50.00")


def test_change_over_previous_year():
    assert change_percent(D(110), D(100)) == D("10.00")
    assert change_percent(D(90), D(100)) == D("-10.00")
    assert change_percent(D(90), D(0)) is None
    assert change_percent(D(90), None) is None


@pytest.mark.parametrize(
    ("actual", "previous", "points"),
    [
        (D(105), D(100), D("2.00")),  # 5 % of a 10 % cap: half the weight
        (D(110), D(100), D("4.00")),  # the cap earns the full weight
        (D(150), D(100), D("4.00")),  # and no more
        (D(90), D(100), D("0.00")),  # shrinking earns nothing, never less
        (D(5), D(0), D("4.00")),  # from nothing to something
        (D(0), D(0), D("0.00")),
    ],
)
def test_growth_points(actual, previous, points):
    result = score_item(GROWTH, D(4), D(10), actual=actual, target=None, previous=previous)
    assert result.points == points


def test_grade_thresholds_and_labels_are_data():
    provincial = [("好", D(90)), ("较好", D(80)), ("一般", D(60)), ("较差", D(0))]
    assert grade_for(D("90.00"), provincial) == "好"
    assert grade_for(D("89.99"), provincial) == "较好"
    assert grade_for(D(60), provincial) == "一般"
    assert grade_for(D(12), provincial) == "较差"
    # Another province words and cuts them differently; order of the list does not matter.
    other = [("合格", D(50)), ("优秀", D(85))]
    assert grade_for(D(86), other) == "优秀"
    assert grade_for(D(51), other) == "合格"
    assert grade_for(D(49), other) == ""
    assert grade_for(None, other) == ""
