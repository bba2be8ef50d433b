"""A coordinator's day with outcome reports: errors that name what is missing, the
breakdown as labelled boxes and a labelled table, four eyes on the buttons, reviewers told."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import override

from accounts.models import Notification
from aidtrack.core.views import transition_links
from projects.breakdown import PART_LABELS
from projects.models import OutcomeReport
from projects.services import report_reviewers, report_submit
from tests.factories import UserFactory
from tests.projects.conftest import make_report


def labels(links) -> list[str]:
    return [str(label) for _url, label in links]


def test_the_empty_form_names_the_missing_subject_not_a_conflict(world, indicators, client):
    client.force_login(world.user("coordinator"))
    page = client.post("/projects/outcome-reports/add/", {})
    errors = page.context["form"].errors
    assert errors["pairing"] == ["Choose the pairing or the project the report is about."]
    assert "not both" not in page.content.decode()
    for name in ("indicator", "year", "value"):
        assert errors[name] == ["This field is required."]


def test_both_subjects_still_say_not_both(world, indicators):
    from tests.projects.conftest import make_project

    report = OutcomeReport(
        indicator=indicators["people_trained"],
        pairing=world.in_scope_pairing,
        project=make_project(world),
        year=2023,
        value=Decimal(5),
    )
    with pytest.raises(Exception) as excinfo:
        report.full_clean()
    assert "not both" in str(excinfo.value)


@pytest.fixture
def submitted(world, indicators):
    draft = make_report(world, indicator=indicators["people_trained"], month=None)
    return report_submit(draft, user=world.user("coordinator"))


def test_the_submitter_is_offered_no_review_step(world, submitted, client):
    coordinator = world.user("coordinator")
    assert labels(transition_links(submitted, coordinator)) == []
    client.force_login(coordinator)
    page = client.get(f"/projects/outcome-reports/{submitted.pk}/").content.decode()
    assert f"/outcome-reports/{submitted.pk}/approve/" not in page
    # Another coordinator responsible for the pairing is offered both.
    city = UserFactory(username="city", role="coordinator")
    city.scope_pairings.set([world.pairings["gd-gz"]])
    assert labels(transition_links(submitted, city)) == ["Approve", "Return"]
    # Administrators may review their own (OutcomeReport.SELF_REVIEW_ROLES).
    admin = world.user("admin")
    own = report_submit(
        make_report(world, indicator=submitted.indicator, month=3, year=2022), user=admin
    )
    assert labels(transition_links(own, admin)) == ["Approve", "Return"]


def test_the_queue_leaves_out_ones_own_submissions(world, submitted, client):
    client.force_login(world.user("coordinator"))
    assert list(client.get("/projects/outcome-reports/queue/").context["reports"]) == []
    city = UserFactory(username="city", role="coordinator")
    city.scope_pairings.set([world.pairings["zs-lps"]])
    client.force_login(city)
    assert list(client.get("/projects/outcome-reports/queue/").context["reports"]) == [submitted]


def test_reviewers_are_told_a_report_awaits_them_and_the_page_names_them(world, indicators, client):
    submitter = world.user("coordinator")  # scope 中山市 → 六盘水市
    province = UserFactory(username="province", role="coordinator", full_name="省级协调员")
    province.scope_pairings.set([world.pairings["gd-gz"]])
    elsewhere = UserFactory(username="elsewhere", role="coordinator")
    elsewhere.scope_pairings.set([world.pairings["gz-bj"]])
    draft = make_report(world, indicator=indicators["people_trained"], month=None)
    report = report_submit(draft, user=submitter)
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"province"}  # above the pairing; not the submitter, not another city
    notification = Notification.objects.get()
    assert notification.url == report.get_absolute_url()
    client.force_login(submitter)
    page = client.get(report.get_absolute_url()).content.decode()
    assert "省级协调员" in page


def test_without_a_responsible_coordinator_the_administrators_are_told(world, indicators):
    draft = make_report(world, indicator=indicators["people_trained"], month=None)
    report = report_submit(draft, user=world.user("coordinator"))
    assert list(report_reviewers(report)) == [world.user("admin")]


def test_the_reviewers_are_found_in_one_query_however_deep_the_pairing(world, indicators):
    """The pairings above the report's are one recursive subquery, not a query per level."""
    province = UserFactory(username="province", role="coordinator")
    province.scope_pairings.set([world.pairings["gd-gz"]])
    counted = []
    for key in ("gd-gz", "zsg-sc"):  # the top of the tree, and three levels below it
        report = make_report(
            world,
            indicator=indicators["people_trained"],
            month=None,
            pairing=world.pairings[key],
            submitted_by=world.user("coordinator"),
        )
        with CaptureQueriesContext(connection) as queries:
            assert list(report_reviewers(report)) == [province]
        counted.append(len(queries))
    assert counted[0] == counted[1] <= 2


def _form(world, indicators, **extra):
    data = {
        "indicator": indicators["labour_transferred"].pk,
        "pairing": world.in_scope_pairing.pk,
        "year": 2023,
        "value": "1000",
        "note": "",
    }
    data.update(extra)
    return data


def test_the_breakdown_is_typed_in_labelled_boxes_and_shown_as_a_table(world, indicators, client):
    client.force_login(world.user("coordinator"))
    form_page = client.get("/projects/outcome-reports/add/").content.decode()
    with override("en"):
        east = str(PART_LABELS["east"])
    assert 'name="breakdown_east"' in form_page and east in form_page
    assert '{"east"' not in form_page
    response = client.post(
        "/projects/outcome-reports/add/",
        _form(
            world,
            indicators,
            breakdown_east="800",
            breakdown_in_province="150",
            breakdown_elsewhere="",
            breakdown_formerly_poor="400",
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    report = OutcomeReport.objects.get()
    assert report.breakdown == {"east": 800, "in_province": 150, "formerly_poor": 400}
    page = client.get(report.get_absolute_url()).content.decode()
    assert "breakdown-table" in page and east in page
    assert "{&#x27;east&#x27;" not in page and "'east'" not in page


def test_breakdown_errors_name_the_part(world, indicators, client):
    client.force_login(world.user("coordinator"))
    response = client.post(
        "/projects/outcome-reports/add/",
        _form(world, indicators, breakdown_east="900", breakdown_in_province="150"),
    )
    assert response.status_code == 400
    message = " ".join(response.context["form"].errors["breakdown"])
    assert str(PART_LABELS["east"]) in message and "east," not in message


def test_boxes_of_another_indicator_do_not_count(world, indicators, client):
    client.force_login(world.user("coordinator"))
    response = client.post(
        "/projects/outcome-reports/add/",
        _form(
            world,
            indicators,
            indicator=indicators["people_trained"].pk,
            breakdown_east="5",
        ),
    )
    assert response.status_code == 302
    assert OutcomeReport.objects.get().breakdown == {}


def test_amounts_show_their_unit(world, client):
    """Money columns' headers say 万元 above 万元 figures; amount boxes convert as typed."""
    client.force_login(world.user("admin"))
    page = client.get("/funds/allocations/").content.decode()
    assert "(10,000 yuan)" in page and "amount (yuan)" not in page.lower()
    form = client.get("/funds/allocations/add/").content.decode()
    assert 'data-amount="yuan"' in form and "ten thousand yuan" in form
