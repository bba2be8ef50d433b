"""Who reads and changes rubrics and official grades."""

import pytest
from rest_framework.test import APIClient

from aidtrack.core.testing import (
    ADMIN,
    ANONYMOUS,
    COORDINATOR,
    LEADER,
    PARTNER,
    ROLES,
    ApiReadTests,
    BrowserReadTests,
    HistoryTests,
)
from assessments.models import GradeThreshold, OfficialGrade, Rubric, RubricItem
from assessments.views import GradeThresholdViews, OfficialGradeViews, RubricItemViews, RubricViews


def make_rubric(index=0):
    return Rubric.objects.get_or_create(year=2021 + index, defaults={"name": f"细则{index}"})[0]


class TestRubricAccess(BrowserReadTests, HistoryTests):
    """Reference data: everyone reads, only administrators change."""

    views = RubricViews

    def make_object(self, world, in_scope, index=0):
        return make_rubric(index if in_scope else index + 40)


def make_item(index=0):
    from projects.catalogue import indicators_load
    from projects.models import Indicator

    indicators_load()
    indicator = Indicator.objects.order_by("code")[index]
    return RubricItem.objects.create(rubric=make_rubric(), indicator=indicator, weight=5)


class TestRubricItemAccess(BrowserReadTests, HistoryTests):
    views = RubricItemViews

    def make_object(self, world, in_scope, index=0):
        return make_item(index if in_scope else index + 8)


class TestGradeThresholdAccess(BrowserReadTests, HistoryTests):
    views = GradeThresholdViews

    def make_object(self, world, in_scope, index=0):
        offset = 0 if in_scope else 50
        return GradeThreshold.objects.create(
            rubric=make_rubric(), label=f"等次{index + offset}", min_score=index + offset
        )


@pytest.mark.parametrize("role", ROLES)
def test_only_administrators_change_rubrics(world, role, client):
    """Rubrics, their items and grade thresholds are data only administrators edit."""
    if role != ANONYMOUS:
        client.force_login(world.user(role))
    rubric, item = make_rubric(), make_item()
    threshold = GradeThreshold.objects.create(rubric=rubric, label="好", min_score=90)
    posts = [
        ("/assessments/rubrics/add/", {"year": 2030, "name": "新细则"}),
        (f"/assessments/rubrics/{rubric.pk}/edit/", {"year": rubric.year, "name": "改"}),
        (
            f"/assessments/rubricitems/{item.pk}/edit/",
            {
                "rubric": rubric.pk,
                "indicator": item.indicator_id,
                "weight": "9",
                "method": "completion",
                "cap_percent": "120",
                "order": "1",
            },
        ),
        (
            f"/assessments/gradethresholds/{threshold.pk}/edit/",
            {"rubric": rubric.pk, "label": "好", "min_score": "95", "order": "1"},
        ),
        (f"/assessments/gradethresholds/{threshold.pk}/delete/", {}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == {ADMIN: 302, ANONYMOUS: 302}.get(role, 403), url
    changed = (
        Rubric.objects.filter(year=2030).exists(),
        RubricItem.objects.get(pk=item.pk).weight == 9,
        not GradeThreshold.objects.filter(pk=threshold.pk).exists(),
    )
    assert changed == ((True,) * 3 if role == ADMIN else (False,) * 3)


def test_bad_rubric_item_input_saves_nothing(world, client):
    client.force_login(world.user(ADMIN))
    item = make_item()
    response = client.post(
        "/assessments/rubricitems/add/",
        {
            "rubric": item.rubric_id,
            "indicator": item.indicator_id,
            "weight": "0",
            "method": "completion",
            "cap_percent": "120",
            "order": "1",
        },
    )
    assert response.status_code == 400
    assert "weight" in response.context["form"].errors
    assert RubricItem.objects.count() == 1


def make_grade(world, in_scope, index=0, **fields):
    values = {
        "pairing": world.pairings["zs-lps"] if in_scope else world.out_of_scope_pairing,
        "year": 2021 + index,
        "level": "national",
        "grade": "好",
        "document_reference": f"通报〔{2022 + index}〕{index + 1}号",
    }
    values.update(fields)
    return OfficialGrade.objects.create(**values)


class TestOfficialGradeReads(BrowserReadTests, HistoryTests, ApiReadTests):
    """Read like any record of the pairing (coordinators: their pairings only)."""

    views = OfficialGradeViews
    api_url = "api:officialgrade"

    def make_object(self, world, in_scope, index=0):
        return make_grade(world, in_scope, index)


def grade_form(world, **changes):
    data = {
        "pairing": world.pairings["zs-lps"].pk,
        "year": "2022",
        "level": "provincial",
        "grade": "好",
        "document_reference": "粤黔东西部协作2022年度考核结果通报",
        "published_on": "2023-04-25",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_only_administrators_enter_official_grades(world, role, client):
    if role != ANONYMOUS:
        client.force_login(world.user(role))
    response = client.post("/assessments/officialgrades/add/", grade_form(world))
    expected = {ADMIN: 302, ANONYMOUS: 302}.get(role, 403)
    assert response.status_code == expected
    assert OfficialGrade.objects.exists() == (role == ADMIN)


@pytest.mark.parametrize("role", (COORDINATOR, LEADER))
def test_nobody_else_changes_or_deletes_an_official_grade(world, role, client):
    grade = make_grade(world, in_scope=True)
    client.force_login(world.user(role))
    edit = client.post(
        f"/assessments/officialgrades/{grade.pk}/edit/", grade_form(world, grade="较好")
    )
    assert edit.status_code == 403
    assert client.post(f"/assessments/officialgrades/{grade.pk}/delete/").status_code == 403
    grade.refresh_from_db()
    assert grade.grade == "好"
    page = client.get(f"/assessments/officialgrades/{grade.pk}/")
    assert page.status_code == 200 and not page.context["can"]["change"]


def test_official_grades_over_the_api(world):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {world.token(COORDINATOR)}")
    data = grade_form(world)
    assert api.post("/api/v1/official-grades/", data, format="json").status_code == 403
    api.credentials(HTTP_AUTHORIZATION=f"Token {world.token(ADMIN)}")
    assert api.post("/api/v1/official-grades/", data, format="json").status_code == 201
    twice = api.post("/api/v1/official-grades/", data, format="json")
    assert twice.status_code == 400  # one grade per pairing, year and level


def test_bad_official_grade_input_saves_nothing(world, client):
    client.force_login(world.user(ADMIN))
    response = client.post(
        "/assessments/officialgrades/add/", grade_form(world, year="1999", grade="")
    )
    assert response.status_code == 400
    assert {"year", "grade"} <= set(response.context["form"].errors)
    assert not OfficialGrade.objects.exists()


def test_partners_use_the_api_only(world, client):
    client.force_login(world.user(PARTNER))
    assert client.get("/assessments/").status_code == 403
