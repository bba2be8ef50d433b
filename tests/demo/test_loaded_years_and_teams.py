"""The demo agrees with itself and with the articles (issue 16, deliverable 7).

* The 11 team-based talents of 中山→六盘水 are the article's: "中山从教育和医疗
  领域选派了11名“组团式”帮扶教育、医疗人才", in a medical team heading
  水城区人民医院 and an education team heading 六盘水市第八中学 ("安排2名干部
  任学校校长、1名干部任医院院长的正职岗位").
* People, projects and money cover the same years, up to the current one, and a
  year's dashboard lists only people on post in that year.
* 2021's computed grade is the official 好, from the records alone.
"""

from datetime import date

import pytest
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from accounts.models import User
from assessments import sources
from assessments.models import OfficialGrade, PairingYearSummary
from assessments.views import ENDING_WITHIN_DAYS
from cadres.models import CheckIn, Deployment, Team, TeamMember
from cadres.selectors import deployment_active_on
from funds.models import FundAllocation
from pairings.demo import demo_load as pairings_demo_load
from pairings.models import Pairing
from projects.models import Project

pytestmark = pytest.mark.xdist_group("demo")


@pytest.fixture
def pairings(demo_loaded):
    """The demo pairings by key (the demo itself is loaded once, conftest.py)."""
    return pairings_demo_load()


def _tree(pairings, key="zs-lps"):
    return Pairing.objects.descendant_ids([pairings[key].pk])


def _active_in(year: int) -> Q:
    """Deployments under way at some time in ``year``."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    return Q(start_date__lte=last) & (
        Q(actual_end_date__gte=first) | Q(actual_end_date__isnull=True, planned_end_date__gte=first)
    )


@pytest.mark.django_db
def test_the_eleven_team_talents_are_the_articles_teams(pairings):
    tree = _tree(pairings)
    talents = Deployment.objects.filter(
        pairing__in=tree, kind="long_term", direction="east_to_west", person__category="talent"
    )
    assert talents.count() == 11
    teams = Team.objects.filter(pairing__in=tree, kind__in=("medical_team", "education_team"))
    members = TeamMember.objects.filter(team__in=teams)
    assert set(members.values_list("person", flat=True)) == set(
        talents.values_list("person", flat=True)
    )
    medical = teams.get(kind="medical_team")
    education = teams.get(kind="education_team")
    assert medical.host_organization.name == "水城区人民医院"
    assert education.host_organization.name == "六盘水市第八中学"
    assert medical.members.count() == 7 and education.members.count() == 4
    assert set(medical.members.values_list("person__specialty", flat=True)) == {"medical"}
    assert set(education.members.values_list("person__specialty", flat=True)) == {"education"}
    # 吴海霞, "队长", 水城区人民医院院长; 王宏, "队长", 六盘水市第八中学校长.
    medical_head = Deployment.objects.get(
        person=medical.members.get(role="leader").person, kind="long_term"
    )
    school_head = Deployment.objects.get(
        person=education.members.get(role="leader").person, kind="long_term"
    )
    assert medical_head.post == "水城区人民医院党委副书记、院长"
    assert school_head.post == "六盘水市第八中学党委副书记、校长"
    posts = list(talents.values_list("post", flat=True))
    assert sum(post.endswith("校长") and not post.endswith("副校长") for post in posts) == 2
    assert sum(post.endswith("院长") and not post.endswith("副院长") for post in posts) == 1
    # The article reports no science-and-technology mission for 中山→六盘水 (the
    # demo's one is 剑河县's, in the Guizhou article).
    assert not Team.objects.filter(pairing__in=tree, kind="science_mission").exists()


@pytest.mark.django_db
def test_all_eighteen_cadres_were_sent_by_the_articles_date(pairings):
    """ "累计选派了18名" (2 November 2023): every one of the 18 had arrived by then."""
    cadres = Deployment.objects.filter(
        pairing__in=_tree(pairings),
        kind="long_term",
        direction="east_to_west",
        person__category="cadre",
        start_date__year__lte=2023,
    )
    assert cadres.count() == 18
    assert not cadres.filter(start_date__gt=date(2023, 11, 2)).exists()


@pytest.mark.django_db
def test_people_projects_and_money_cover_the_same_years(pairings):
    tree = _tree(pairings)
    for year in range(2021, timezone.localdate().year + 1):
        on_post = Deployment.objects.filter(pairing__in=tree, kind="long_term")
        assert on_post.filter(_active_in(year)).exists(), year
        assert Project.objects.filter(pairing__in=tree, year=year).exists(), year
        assert FundAllocation.objects.filter(pairing__in=tree, year=year).exists(), year
    # Beyond the articles the projects and money stay modest.
    later = Project.objects.filter(pairing__in=tree, year__gt=2023)
    for year in later.values_list("year", flat=True).distinct():
        assert later.filter(year=year).count() < 68 / 2 + 1  # half an article year's pace


@pytest.mark.django_db
def test_check_ins_fall_within_their_persons_terms(pairings):
    """A check-in is recorded by someone on post that day."""
    for check_in in CheckIn.objects.select_related("person").iterator():
        assert check_in.person.deployments.filter(deployment_active_on(check_in.date)).exists()


@pytest.mark.django_db
def test_each_years_dashboard_lists_only_people_on_post_that_year(pairings):
    client = Client()
    client.force_login(User.objects.get(username="leader"))
    current = timezone.localdate().year
    for key in ("gd-gz", "zs-lps", "zsg-sc", "ca-bt", "zh-za", "kg-by", "gzy-jh"):
        for year in range(2021, current + 1):
            page = client.get(f"/assessments/pairing/{pairings[key].pk}/", {"year": year})
            assert page.status_code == 200
            for deployment in page.context["ending"]:
                assert Deployment.objects.filter(_active_in(year), pk=deployment.pk).exists(), (
                    key,
                    year,
                    deployment,
                )
        # The current year's dashboard does list the terms ending soon.
        ending = sources.ending_deployments(_tree(pairings, key), ENDING_WITHIN_DAYS)
        assert [d.pk for d in page.context["ending"]] == [
            d.pk for d in ending[: len(page.context["ending"]) or 1]
        ]


@pytest.mark.django_db
def test_2021_computed_grade_is_the_official_good(pairings):
    """Computed from the records (assessments' scoring) after load_demo: 好, as reported."""
    zs = pairings["zs-lps"]
    for year in (2021, 2022):
        summary = PairingYearSummary.objects.get(pairing=zs, year=year)
        official = set(
            OfficialGrade.objects.filter(pairing=zs, year=year).values_list("grade", flat=True)
        )
        assert summary.grade == "好", (year, summary.score)
        assert official == {summary.grade}, year
