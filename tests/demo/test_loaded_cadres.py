"""The demo reproduces the seed figures through the selectors and the API, and obeys the rules."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from cadres.models import (
    CheckIn,
    Deployment,
    LeaveRequest,
    Mentorship,
    Person,
    Team,
    TeamMember,
)
from cadres.selectors import (
    age_on,
    deployments_started,
    people_on_post,
    professional_person_times,
)
from pairings.models import Pairing

pytestmark = pytest.mark.xdist_group("demo")


@pytest.fixture
def demo(demo_loaded):
    """The regions and the demo, loaded once for all the demo tests (conftest.py)."""


def zhongshan_ids():
    zs = Pairing.objects.get(helping_region__code="442000", helped_region__code="520200")
    return zs, Pairing.objects.descendant_ids([zs.pk])


@pytest.mark.django_db
def test_zhongshan_liupanshui_seed_figures(demo):
    _zs, ids = zhongshan_ids()
    years = (2021, 2022, 2023)
    cadres = sum(
        deployments_started(ids, y, category="cadre", kind="long_term", direction="east_to_west")
        for y in years
    )
    assert cadres == 18
    talents = sum(
        deployments_started(ids, y, category="talent", kind="long_term", direction="east_to_west")
        for y in years
    )
    assert talents == 11
    assert sum(professional_person_times(ids, y) for y in years) >= 200
    assert deployments_started(ids, 2022, kind="training", direction="west_to_east") == 12
    long_term = Deployment.objects.filter(
        pairing__in=ids, kind="long_term", direction="east_to_west"
    ).select_related("person")
    cadre_ages = [
        age_on(d.person.birth_date, d.start_date) for d in long_term if d.person.category == "cadre"
    ]
    assert round(sum(cadre_ages) / len(cadre_ages)) == 45
    titles = Counter(d.person.title for d in long_term if d.person.category == "talent")
    assert titles["主任医师"] == 2 and titles["主任药师"] == 1 and titles["副主任医师"] == 1
    assert titles["副高"] == 2 and titles["高级"] == 1
    specialties = {d.person.specialty for d in long_term if d.person.category == "cadre"}
    assert specialties == {
        "economy",
        "agriculture",
        "housing",
        "party_building",
        "social_governance",
    }
    front = Team.objects.get(name__contains="前方工作组")
    assert front.start_date.isoformat() == "2021-11-01"
    mentorships = Mentorship.objects.filter(mentor__deployments__pairing__in=ids).distinct()
    assert [m.apprentice_count for m in mentorships] == [3] * 5


@pytest.mark.django_db
def test_the_api_gives_the_same_figures(demo):
    zs, _ids = zhongshan_ids()
    api = APIClient()
    api.force_authenticate(User.objects.get(username="coord_zs"))
    rows = []
    for year in (2021, 2022, 2023):
        params = {"pairing": zs.pk, "category": "cadre", "kind": "long_term", "page_size": 500}
        params["direction"] = "east_to_west"
        body = api.get("/api/v1/deployments/", params).json()
        rows += [r for r in body["results"] if r["start_date"].startswith(str(year))]
    assert len(rows) == 18
    assert all("*" in p["id_number_masked"] for p in api.get("/api/v1/people/").json()["results"])


@pytest.mark.django_db
def test_teams_of_the_seeds(demo):
    chunan = Team.objects.get(pairing__helped_region__code="513335")
    members = TeamMember.objects.filter(team=chunan)
    assert members.count() == 16
    assert Counter(members.values_list("subgroup", flat=True)) == {
        "党政干部组": 6,
        "医生组": 5,
        "教师组": 5,
    }
    assert members.get(role="leader").person.user.username == "ca_leader"
    assert members.filter(role="group_leader").count() == 3
    mission = Team.objects.get(kind="science_mission")
    assert mission.pairing.helped_region.code == "522629"
    assert mission.members.count() == 23
    assert set(mission.members.values_list("role", flat=True)) >= {
        "technical_head",
        "administrative_head",
    }
    assert Team.objects.filter(
        host_organization__name="正安县人民医院", kind="medical_team"
    ).exists()
    assert Team.objects.filter(
        host_organization__name="罗甸县边阳中学", kind="education_team"
    ).exists()
    assert LeaveRequest.objects.filter(team=chunan, status="pending").exists()


@pytest.mark.django_db
def test_check_ins_of_the_last_two_weeks(demo):
    today = timezone.localdate()
    on_post = people_on_post(Pairing.objects.values_list("pk", flat=True), today)["total"]
    assert on_post > 40
    recent = CheckIn.objects.filter(date__gte=today - timedelta(days=13))
    states = Counter(recent.values_list("state", flat=True))
    assert states["well"] > 10 * (states["unwell"] + states["needs_help"]) > 0
    people = recent.values("person").distinct().count()
    assert recent.count() < people * 14 * 2  # some are missing


@pytest.mark.django_db
def test_demo_obeys_the_rules_and_is_idempotent(demo):
    for model in (Person, Deployment, TeamMember, Team):
        for obj in model.objects.all():
            obj.full_clean()

    # Today's check-ins grow as their hour passes (a reload tops them up), so count the
    # days before today.
    def counts():
        models = (Person, Deployment, Team, TeamMember)
        before_today = CheckIn.objects.filter(date__lt=timezone.localdate())
        return [m.objects.count() for m in models] + [before_today.count()]

    loaded = counts()
    call_command("load_demo", verbosity=0)
    assert counts() == loaded
