"""The change feed (core.feed, GET /api/v1/changes/): commit order, deletions, scope, nesting.

These tests commit (``transactional_db``): the feed only shows transactions
that have ended, so a test's own open transaction would hide its writes.
"""

import contextlib
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from aidtrack.core import feed
from aidtrack.core.models import FeedEntry
from aidtrack.core.testing import ADMIN, COORDINATOR, LEADER
from cadres.models import Person, Team, TeamMember
from funds.models import Donation, FundTransaction
from pairings.models import Agreement, AgreementTarget, Organization
from projects.models import ProgressUpdate
from tests.cadres.test_people import id_number
from tests.factories import PairingFactory, ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)

CHANGES = "/api/v1/changes/"


def client_for(world, role):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(role)}")
    return client


class Reader:
    """A partner following the feed: a starting cursor, then every page."""

    def __init__(self, world, role, **params):
        self.client = client_for(world, role)
        response = self.client.get(CHANGES, params)
        assert response.status_code == 200, response.content
        assert response.json()["results"] == []
        self.next = response.json()["next"]

    def read(self, *resources) -> list[tuple[str, int, str]]:
        """(resource, id, action) of every change since the last read, of ``resources`` if named."""
        seen = []
        while True:
            response = self.client.get(self.next)
            assert response.status_code == 200, response.content
            body = response.json()
            seen += [(c["resource"], c["id"], c["action"]) for c in body["results"]]
            self.next = body["next"]
            if not body["more"]:
                return [change for change in seen if not resources or change[0] in resources]


def donation(pairing, **changes):
    values = {
        "pairing": pairing,
        "date": date(2023, 5, 1),
        "kind": "cash",
        "donor_name": "中山市慈善总会",
        "amount": Decimal("10000.00"),
    }
    return Donation.objects.create(**{**values, **changes})


def test_a_start_cursor_then_creates_updates_and_deletes_in_order(world):
    reader = Reader(world, ADMIN)
    pairing = world.in_scope_pairing
    first = donation(pairing)
    first.purpose = "助学"
    first.save()
    second = donation(pairing)
    first_id = first.pk
    first.delete()

    assert reader.read("donations") == [
        ("donations", second.pk, "created"),
        ("donations", first_id, "deleted"),
    ]
    assert reader.read("donations") == []  # nothing twice


def test_deleting_an_agreement_reports_its_targets_too(world):
    agreement = Agreement.objects.create(pairing=world.in_scope_pairing, year=2023)
    targets = [
        AgreementTarget.objects.create(
            agreement=agreement,
            indicator_code=f"code{i}",
            indicator_name="指标",
            target=Decimal(i + 1),
            unit="人",
        )
        for i in range(3)
    ]
    reader = Reader(world, COORDINATOR)
    response = client_for(world, COORDINATOR).delete(f"/api/v1/agreements/{agreement.pk}/")
    assert response.status_code == 204

    seen = set(reader.read())
    assert ("agreements", agreement.pk, "deleted") in seen
    assert {("agreement-targets", t.pk, "deleted") for t in targets} <= seen


@contextlib.contextmanager
def committed_late(write):
    """``write()`` in another connection's transaction, which commits when the block ends.

    Yields a list that holds what ``write`` returned.
    """
    written, release, made = threading.Event(), threading.Event(), []

    def writer():
        try:
            with transaction.atomic():
                made.append(write())
                written.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(10)
    try:
        yield made
    finally:
        release.set()
        thread.join()


def organization(world, name):
    return Organization.objects.create(name=name, kind="government", region=world.regions["sc"])


def test_a_late_commit_is_not_skipped(world):
    """A transaction that started first and commits last still reaches the reader.

    (Organisations: writes that queue no summary refresh, whose locks would
    make the quick writer wait for the slow one.)
    """
    reader = Reader(world, ADMIN)
    with committed_late(lambda: organization(world, "慢").pk) as slow_id:
        quick = organization(world, "快")  # commits while the slow one is open
        before_release = reader.read("organizations")
    after_release = reader.read("organizations")

    # Held back while the older transaction ran, then delivered: never skipped.
    assert before_release == []
    assert ("organizations", slow_id[0], "created") in after_release
    assert ("organizations", quick.pk, "created") in after_release


def test_a_project_moved_out_of_scope_leaves_with_its_transactions(world):
    inside, outside = world.in_scope_pairing, world.out_of_scope_pairing
    project = ProjectFactory(pairing=inside)
    entry = FundTransaction.objects.create(
        project=project, kind="commitment", date=date(2023, 3, 1), amount=Decimal("500.00")
    )
    coordinator = Reader(world, COORDINATOR)
    admin = Reader(world, ADMIN)

    project.pairing = outside
    project.region = outside.helped_region
    project.save()

    seen = coordinator.read()
    assert ("projects", project.pk, "deleted") in seen
    assert ("fund-transactions", entry.pk, "deleted") in seen
    # For whoever sees both pairings it is a change, and the entry shows its new pairing.
    assert ("fund-transactions", entry.pk, "updated") in admin.read()
    response = client_for(world, ADMIN).get(f"/api/v1/fund-transactions/{entry.pk}/")
    assert response.json()["pairing"] == outside.pk

    # And back in: created again, for the coordinator.
    project.pairing = inside
    project.region = inside.helped_region
    project.save()
    seen = coordinator.read()
    assert ("projects", project.pk, "created") in seen
    assert ("fund-transactions", entry.pk, "created") in seen


def test_records_outside_the_scope_never_appear(world):
    coordinator = Reader(world, COORDINATOR)
    outside = donation(world.out_of_scope_pairing)
    outside.delete()
    inside = donation(world.in_scope_pairing)
    assert coordinator.read("donations") == [("donations", inside.pk, "created")]


def updated_at(record):
    return type(record).objects.values_list("updated_at", flat=True).get(pk=record.pk)


def test_nested_and_derived_fields_move_their_parents(world):
    pairing = world.in_scope_pairing
    project = ProjectFactory(pairing=pairing)
    agreement = Agreement.objects.create(pairing=pairing, year=2023)
    target = AgreementTarget.objects.create(
        agreement=agreement, indicator_code="a", indicator_name="指标", target=1, unit="人"
    )
    organization = Organization.objects.create(
        name="中山市人民医院", kind="hospital", region=pairing.helping_region
    )
    institution = PairingFactory(
        helping_region=pairing.helping_region,
        helping_organization=organization,
        helped_region=pairing.helped_region,
        parent=pairing,
    )
    team = Team.objects.create(
        pairing=pairing, kind="medical_team", name="医疗队", start_date=date(2023, 1, 1)
    )
    person = Person.objects.create(
        name="张医生",
        gender="male",
        category="talent",
        birth_date=date(1980, 1, 1),
        id_number=id_number(701),
        home_organization=organization,
    )
    member = TeamMember.objects.create(team=team, person=person, role="member")
    stamps = {r: updated_at(r) for r in (project, agreement, institution, team, member)}
    reader = Reader(world, ADMIN)

    ProgressUpdate.objects.create(project=project, date=date(2023, 6, 1), percent=40)
    target.target = 5
    target.save()
    organization.name = "中山市第一人民医院"
    organization.save()
    TeamMember.objects.create(
        team=team,
        person=Person.objects.create(
            name="李护士",
            gender="female",
            category="talent",
            birth_date=date(1990, 1, 1),
            id_number=id_number(702),
            home_organization=organization,
        ),
        role="member",
    )
    person.name = "张主任"
    person.save()

    seen = set(reader.read())
    for resource, record in (
        ("projects", project),  # latest_progress
        ("agreements", agreement),  # targets
        ("pairings", institution),  # helping_organization_detail
        ("teams", team),  # member_count
        ("team-members", member),  # person_name
    ):
        assert (resource, record.pk, "updated") in seen, resource
        assert updated_at(record) > stamps[record], resource


def test_cursors_that_are_not_ours_are_400(world):
    client = client_for(world, ADMIN)
    for bad in ("cj0xJnA9JTI3", "abc", ""):
        response = client.get(CHANGES, {"after": bad})
        assert response.status_code == 400
        assert "after" in response.json()["errors"]
    assert client.get(CHANGES, {"resource": "nothing"}).status_code == 400
    assert client.get(CHANGES, {"page_size": "0"}).status_code == 400


def test_a_cursor_older_than_the_retention_is_410(world):
    reader = Reader(world, ADMIN)
    donation(world.in_scope_pairing)
    reader.read()
    stale = reader.next
    donation(world.in_scope_pairing)
    FeedEntry.objects.update(time=timezone.now() - timedelta(days=400))
    assert feed.prune(timezone.now() - timedelta(days=90)) >= 2

    response = reader.client.get(stale)
    assert response.status_code == 410
    assert response.json()["code"] == "resync_required"
    # A fresh start works.
    assert reader.client.get(CHANGES).status_code == 200


def test_a_changed_scope_is_410_for_the_scoped_reader(world):
    coordinator = Reader(world, COORDINATOR)
    leader = Reader(world, LEADER)
    # Another pairing moves under the coordinator's: its records enter their scope.
    moved = world.pairings["th-xqg"]
    moved.parent = world.pairings["zs-lps"]
    moved.save()

    response = coordinator.client.get(coordinator.next)
    assert response.status_code == 410
    assert response.json()["code"] == "scope_changed"
    assert ("pairings", moved.pk, "updated") in leader.read()


def test_a_new_pairing_below_does_not_force_a_resync(world):
    coordinator = Reader(world, COORDINATOR)
    new = PairingFactory(
        helping_region=world.regions["nq"],
        helped_region=world.regions["sc"],
        parent=world.pairings["zs-lps"],
    )
    assert ("pairings", new.pk, "created") in coordinator.read()


def test_the_resource_filter(world):
    reader = Reader(world, ADMIN, resource="projects")
    donation(world.in_scope_pairing)
    project = ProjectFactory(pairing=world.in_scope_pairing)
    assert reader.read() == [("projects", project.pk, "created")]


def test_the_horizon_ignores_other_databases():
    """Open transactions elsewhere on the server (other test workers) do not hold it back."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
        next_id = cursor.fetchone()[0]
    assert feed.horizon() >= next_id


def test_unknown_parameters_are_400(world):
    response = client_for(world, ADMIN).get(CHANGES, {"afetr": "x"})
    assert response.status_code == 400
    assert "afetr" in response.json()["errors"]


# Fields computed from the record's own columns: nothing else can change them.
OWN_FIELDS = {
    ("people", "id_number_masked"),
    ("people", "phone_masked"),
    ("teams", "members_url"),
    ("mentorships", "apprentice_list"),
    ("assessments", "indicators"),
    ("assessments", "tiles"),
    ("assessments", "refresh_failed"),
}


def test_every_derived_field_has_a_source_rule():
    """A field that is not a column of the record is declared: own, or in Meta.derived_from.

    Nested serializers and dotted sources get their rules from the serializer
    itself (core.feed); computed fields must say where they come from, or the
    feed would miss their changes.
    """
    from django.core.exceptions import FieldDoesNotExist

    from aidtrack.api_router import router

    undeclared = []
    for prefix, viewset, _basename in router.registry:
        serializer_class = getattr(viewset, "serializer_class", None)
        model = viewset.queryset.model
        if serializer_class is None or feed.resource_of(model) is None:
            continue
        declared = getattr(serializer_class.Meta, "derived_from", ())
        for name, field in serializer_class().fields.items():
            source = (field.source or name).split(".")[0]
            try:
                model._meta.get_field(source)
            except FieldDoesNotExist:
                if (prefix, name) not in OWN_FIELDS and not declared:
                    undeclared.append((prefix, name))
    assert not undeclared
