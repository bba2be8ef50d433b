"""The compiled row function (core.api_rows) answers exactly what DRF's serializers answer.

Every resource of the router is listed over the demo's rows (plus the kinds
the demo lacks: files, an over-allocation, a person without a phone): the
API's response (rows read as column values where every field is a column,
else instances through the compiled row function; written by orjson) must
be the same bytes as DRF's own ``ListSerializer.to_representation`` (the
child's ``to_representation`` per instance) rendered by DRF's JSONRenderer,
in two time zones (``Z`` and ``+08:00`` date-times).
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

from accounts.models import User
from aidtrack.api_router import router
from aidtrack.core.api import CompiledListSerializer
from aidtrack.core.api_defaults import FastJSONRenderer
from aidtrack.core.api_rows import column_plan, row_function
from cadres.models import Person
from funds.models import FundTransaction, OverAllocation
from pairings.models import Pairing
from projects.models import (
    OutcomeEvidence,
    OutcomeReport,
    OutcomeReportReview,
    Project,
    ProjectAttachment,
)

pytestmark = pytest.mark.xdist_group("demo")

RESOURCES = [(prefix, viewset) for prefix, viewset, _basename in router.registry]


@pytest.fixture
def every_kind_of_row(demo_loaded):
    """Rows the demo does not have: files, reviews (by a user with a name and one without),
    an over-allocation, a person without a phone."""
    admin = User.objects.get(username="admin")
    project = Project.objects.order_by("id").first()
    ProjectAttachment.objects.bulk_create(
        [
            ProjectAttachment(project=project, title="方案", file="attachments/plan.pdf", size=10),
            ProjectAttachment(project=project, title="空", file="", size=0),
        ]
    )
    report = OutcomeReport.objects.order_by("id").first()
    OutcomeEvidence.objects.bulk_create(
        [OutcomeEvidence(report=report, title="照片", file="evidence/photo.jpg", size=20)]
    )
    OutcomeReportReview.objects.create(report=report, action="return", comment="补充", user=admin)
    unnamed = User.objects.create(username="reviewer-without-a-name", full_name="")
    OutcomeReportReview.objects.create(report=report, action="approve", user=unnamed)
    OverAllocation.objects.bulk_create(
        [
            OverAllocation(
                pairing=Pairing.objects.order_by("id").first(),
                year=2024,
                amount=Decimal("12345.60"),
                reason="追加",
                approved_by=admin,
            )
        ]
    )
    person = Person.objects.order_by("id").first()
    Person.objects.filter(pk=person.pk).update(phone="")
    return admin


def _listed(viewset, user):
    request = APIRequestFactory().get("/api/v1/", HTTP_HOST="testserver")
    force_authenticate(request, user=user)
    view = viewset(action_map={"get": "list"})
    view.action, view.args, view.kwargs, view.format_kwarg = "list", (), {}, None
    view.request = view.initialize_request(request)
    view.headers = {}
    rows = list(view.filter_queryset(view.get_queryset()).order_by("id")[:300])
    return view, rows


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
@pytest.mark.parametrize(("prefix", "viewset"), RESOURCES, ids=[p for p, _ in RESOURCES])
def test_every_resource_lists_the_same_bytes_as_drf(every_kind_of_row, prefix, viewset, zone):
    client = APIClient()
    client.force_authenticate(every_kind_of_row)
    with timezone.override(zone):
        response = client.get(f"/api/v1/{prefix}/", {"page_size": 300})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["results"], f"no rows to compare for /{prefix}/"
        # DRF's own way over the same rows: instances, each child.to_representation.
        view, rows = _listed(viewset, every_kind_of_row)
        rows = rows[: len(body["results"])]
        serializer = view.get_serializer(rows, many=True)
        assert isinstance(serializer, CompiledListSerializer)
        generic = serializers.ListSerializer.to_representation(serializer, rows)
        compiled = serializer.data
    expected = {"next": body["next"], "previous": body["previous"], "results": generic}
    assert response.content == JSONRenderer().render(expected)
    assert FastJSONRenderer().render(compiled) == JSONRenderer().render(generic)


def test_the_rows_compared_cover_masks_files_nulls_and_nesting(every_kind_of_row):
    """The comparison above sees each special case at least once."""
    from assessments.api import AssessmentViewSet
    from cadres.api import MentorshipViewSet, PersonViewSet, TeamViewSet
    from pairings.api import PairingViewSet
    from projects.api import OutcomeReportViewSet, ProjectAttachmentViewSet

    view, rows = _listed(PersonViewSet, every_kind_of_row)
    people = view.get_serializer(rows, many=True).data
    assert any(p["phone_masked"] == "" for p in people) and any(p["phone_masked"] for p in people)
    assert all("*" in p["id_number_masked"] for p in people)
    view, rows = _listed(ProjectAttachmentViewSet, every_kind_of_row)
    files = [a["file"] for a in view.get_serializer(rows, many=True).data]
    assert None in files and any(f and f.startswith("http://testserver/api/v1/") for f in files)
    # Both ways of reading are compared: columns (nested regions included) and instances.
    assert column_plan(PairingViewSet.serializer_class()) is not None
    assert column_plan(PersonViewSet.serializer_class()) is not None  # masks of columns
    assert column_plan(MentorshipViewSet.serializer_class()) is not None  # apprentices parsed
    # A team's member count is the list's annotation; the link to its members, of its id.
    assert column_plan(TeamViewSet.serializer_class(), ("member_count",)) is not None
    assert column_plan(TeamViewSet.serializer_class()) is None  # not annotated: counted per team
    # Download URLs are made from the id column, for the origin the plan was made for.
    attachments = ProjectAttachmentViewSet.serializer_class(context={"origin": "https://a.example"})
    assert column_plan(attachments) is not None
    lookups, read, represent = attachments.fields["file"].column_reading(ProjectAttachment)
    assert lookups == ["id", "file"] and read({"id": 8, "file": ""}) is None
    url = represent(read({"id": 7, "file": "attachments/plan.pdf"}))
    assert url == "https://a.example/api/v1/project-attachments/7/download/"
    assert column_plan(AssessmentViewSet.serializer_class()) is None  # method fields
    # A reviewer's name is written from the user's columns (User.str_columns, str_of).
    reports = column_plan(OutcomeReportViewSet.serializer_class(context={}))
    assert [nested.source for nested in reports.lists] == ["reviews", "evidence"]
    client = APIClient()
    client.force_authenticate(every_kind_of_row)
    listed = client.get("/api/v1/outcome-reports/", {"page_size": 300}).json()["results"]
    reviewers = {review["user"] for row in listed for review in row["reviews"]}
    assert {str(every_kind_of_row), "reviewer-without-a-name"} <= reviewers
    view, rows = _listed(PairingViewSet, every_kind_of_row)
    pairing = view.get_serializer(rows, many=True).data[0]
    assert set(pairing["helping_region_detail"]) == {"id", "code", "name", "level"}


def test_a_nested_list_is_compiled_once_per_response_and_prefetched_into_a_list(
    every_kind_of_row, monkeypatch
):
    """An agreement's targets (our own list class, nested): one compiled row function for
    the page and a plain-list prefetch, not a compilation and a queryset per agreement."""
    from aidtrack.core import api_rows
    from pairings.api import AgreementViewSet
    from pairings.models import AgreementTarget

    view, rows = _listed(AgreementViewSet, every_kind_of_row)
    assert [
        getattr(lookup, "to_attr", None) for lookup in view.get_queryset()._prefetch_related_lookups
    ] == [api_rows.LISTED + "targets"]
    assert (
        sum(len(row.__dict__[api_rows.LISTED + "targets"]) for row in rows)
        == (AgreementTarget.objects.filter(agreement__in=rows).count())
        > 0
    )
    compiled = []
    real = api_rows.row_function
    monkeypatch.setattr(api_rows, "row_function", lambda s: compiled.append(s) or real(s))
    data = view.get_serializer(rows, many=True).data
    assert len(data) == len(rows) > 1
    assert [type(s).__name__ for s in compiled] == [
        "AgreementSerializer",
        "AgreementTargetSerializer",
    ]


def test_a_prefetch_with_its_own_queryset_is_prefetched_into_a_list_too(
    every_kind_of_row, django_assert_num_queries
):
    """Outcome reports' reviews, each with its reviewer joined (the ``Prefetch``'s own
    queryset): plain lists, and serializing the page runs no query per review."""
    from aidtrack.core import api_rows
    from projects.api import OutcomeReportViewSet

    view, rows = _listed(OutcomeReportViewSet, every_kind_of_row)
    assert [lookup.to_attr for lookup in view.get_queryset()._prefetch_related_lookups] == [
        api_rows.LISTED + "reviews",
        api_rows.LISTED + "evidence",
    ]
    with django_assert_num_queries(0):
        data = view.get_serializer(rows, many=True).data
    reviewed = [review for row in data for review in row["reviews"]]
    assert reviewed and all(review["user"] for review in reviewed)


@pytest.mark.parametrize(
    ("prefix", "nested"), [("deployments", "extensions"), ("investments", "tranches")]
)
def test_a_nested_list_of_columns_is_read_as_values_in_the_prefetch_s_one_query(
    every_kind_of_row, django_assert_num_queries, prefix, nested
):
    """Deployments' extensions, investments' tranches: the page and its nested rows are read
    as column values (no instances), one query each as the prefetch ran; the bytes are
    DRF's (the comparison over every resource above), and some rows do nest."""
    viewset = {p: v for p, v, _basename in router.registry}[prefix]
    plan = column_plan(viewset.serializer_class(context={}))
    assert [entry.source for entry in plan.lists] == [nested]
    client = APIClient()
    client.force_authenticate(every_kind_of_row)
    with django_assert_num_queries(2):  # the page, the nested rows
        response = client.get(f"/api/v1/{prefix}/", {"page_size": 300})
    assert any(row[nested] for row in response.json()["results"])


def test_download_urls_are_reversed_once_per_response(every_kind_of_row, monkeypatch):
    from aidtrack.core import api
    from projects.api import ProjectAttachmentViewSet

    ProjectAttachment.objects.bulk_create(
        [
            ProjectAttachment(
                project=Project.objects.order_by("id").first(),
                title=f"附件{n}",
                file=f"a/{n}.pdf",
                size=1,
            )
            for n in range(3)
        ]
    )
    view, rows = _listed(ProjectAttachmentViewSet, every_kind_of_row)
    reversed_ = []
    real = api.reverse
    monkeypatch.setattr(api, "reverse", lambda *a, **k: reversed_.append(a) or real(*a, **k))
    files = [row["file"] for row in view.get_serializer(rows, many=True).data]
    assert len([f for f in files if f]) >= 4
    assert len(reversed_) == 1
    for row, url in zip(rows, files, strict=True):
        expected = f"http://testserver/api/v1/project-attachments/{row.pk}/download/"
        assert url == (expected if row.file else None)


class _Amount(serializers.ModelSerializer):
    """Field options the API's serializers do not use, still equal to DRF's."""

    amount = serializers.DecimalField(max_digits=20, decimal_places=1)
    rounded = serializers.DecimalField(
        source="amount", max_digits=20, decimal_places=3, normalize_output=True
    )
    local = serializers.DateTimeField(source="created_at", default_timezone=datetime.UTC)
    formatted = serializers.DateField(source="date", format="%d.%m.%Y")
    project_code = serializers.CharField(source="project.code")
    reversed_entry = serializers.PrimaryKeyRelatedField(source="reverses", read_only=True)
    kind_text = serializers.CharField(source="get_kind_display")

    class Meta:
        model = FundTransaction
        fields = [
            "id",
            "amount",
            "rounded",
            "local",
            "formatted",
            "project_code",
            "reversed_entry",
            "kind_text",
            "kind",
        ]


def test_field_options_give_what_drf_gives(demo_loaded):
    entries = list(FundTransaction.objects.select_related("project").order_by("id")[:50])
    entries[0].amount = Decimal("1234.56")  # rounds at one place
    serializer = _Amount()
    row = row_function(serializer)
    assert [row(e) for e in entries] == [serializer.to_representation(e) for e in entries]


class _Figure(serializers.Serializer):
    """A serializer without a model, over dicts (as an assessment's indicator figures)."""

    code = serializers.CharField()
    weight = serializers.DecimalField(max_digits=6, decimal_places=2)
    note = serializers.CharField(required=False)
    unit = serializers.CharField(default="万元")
    points = serializers.IntegerField(allow_null=True)


def test_a_dict_reads_as_drf_reads_it():
    """Keys read directly; a missing key or a callable value left to DRF's reading."""
    rows = [
        {"code": "a", "weight": "12.5", "note": "x", "unit": "人", "points": 3},
        {"code": "b", "weight": Decimal("1.005"), "points": None},  # no note, no unit
        {"code": lambda: "called", "weight": "0", "points": 1},  # DRF calls a callable
        {"code": "c", "weight": "2", "note": None, "unit": "个", "points": "7"},
    ]
    serializer = _Figure()
    row = row_function(serializer)
    assert [row(r) for r in rows] == [serializer.to_representation(r) for r in rows]
    assert row(rows[2])["code"] == "called" and "note" not in row(rows[1])


def test_the_renderer_writes_what_drf_writes():
    moment = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.UTC)
    data = {
        "text": '东西部协作\u2028\u2029\x00\x1f\x7f"\\\n\t',
        "lazy": _("project"),
        "moment": moment,
        "local": moment.astimezone(datetime.timezone(datetime.timedelta(hours=8))),
        "day": datetime.date(2024, 2, 29),
        "clock": datetime.time(8, 30),
        "amount": Decimal("12.50"),
        "nested": [{"id": 1, "none": None, "yes": True}, ()],
        "big": 2**70,
        1: "a non-string key",
    }
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)
    del data["big"], data[1]
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)
    assert FastJSONRenderer().render(None) == b""


def test_pages_read_as_columns_follow_on_without_gaps(every_kind_of_row):
    """The cursor takes its position from the column values (ordering by id)."""
    from cadres.models import CheckIn

    client = APIClient()
    client.force_authenticate(every_kind_of_row)
    url, seen = "/api/v1/check-ins/?page_size=200", []
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == list(CheckIn.objects.order_by("id").values_list("id", flat=True))


def test_an_assessments_stored_figures_are_what_the_pages_figures_give(demo_loaded):
    """The refresh stores each figure in the API's form, so the API writes the stored
    figures as they are (``summary_stored``): DRF's own serializer writes the same, from
    the stored strings and from ``summary_present``'s Decimals alike."""
    from assessments.figures import IndicatorFigureSerializer
    from assessments.models import PairingYearSummary
    from assessments.selectors import summary_present, summary_stored
    from assessments.services import plain

    summaries = list(PairingYearSummary.objects.all())
    assert any(summary.figures for summary in summaries)
    for summary in summaries:
        presented, stored = summary_present(summary), summary_stored(summary)
        written = IndicatorFigureSerializer(presented["figures"], many=True).data
        assert [dict(row) for row in written] == stored["figures"]
        assert IndicatorFigureSerializer(stored["figures"], many=True).data == written
        tiles = plain({key: tile["value"] for key, tile in presented["tiles"].items()})
        assert {key: tile["value"] for key, tile in stored["tiles"].items()} == tiles


@pytest.mark.parametrize(("max_digits", "places"), [(7, 2), (20, 2), (12, 0), (6, 3)])
def test_a_decimal_written_as_the_field_writes_it_is_kept_and_any_other_is_drfs(max_digits, places):
    from aidtrack.core.api_rows import _decimal

    field = serializers.DecimalField(max_digits=max_digits, decimal_places=places)
    represent = _decimal(field)
    for text in [
        "12.00", "-0.00", "0.05", "007.50", "1E+3", " 12.00", "12.3", "12.345", "0",
        "15", "-15", "99999.99", "123456.78", "1234567890123456789.12", "12.000", "-7.125",
        "1.5e2", "00", "-0", "+3.00", "3.", ".50",
    ]:  # fmt: skip
        try:
            expected = field.to_representation(text)
        except (ArithmeticError, ValueError) as error:
            with pytest.raises(type(error)):
                represent(text)
        else:
            assert represent(text) == expected, text
