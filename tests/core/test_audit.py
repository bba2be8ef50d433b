"""Change history written by the PostgreSQL audit triggers.

Every write path — ORM saves, bulk ``QuerySet.update()``, raw SQL — must leave
a ``ChangeRecord`` naming the action, the actor, the source and the request,
with updates reduced to the columns that actually changed. Python only tells
the database who is writing (``audit_context``); these tests check what the
triggers make of that, and that the information does not outlive the block.
"""

from datetime import date

from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from aidtrack.core.audit import audit_context, current_actor
from aidtrack.core.models import ChangeRecord
from aidtrack.core.testing import ADMIN, COORDINATOR
from pairings.choices import PairingLevel
from pairings.models import Pairing
from tests.factories import PairingFactory, pairing_form_data


def _new_pairing(world, **extra):
    """A county pairing under the coordinator's city pairing."""
    return PairingFactory(
        helping_region=world.regions["zs"],
        helped_region=world.regions["lz"],
        parent=world.pairings["zs-lps"],
        level=PairingLevel.COUNTY,
        start_date=date(2022, 1, 1),
        **extra,
    )


def _records(obj, **filters):
    return list(ChangeRecord.objects.for_object(obj).filter(**filters).order_by("time", "id"))


def _session_setting(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [name])
        return cursor.fetchone()[0]


class TestOrmWrites:
    def test_create_update_delete_are_recorded_with_actor_source_and_request(self, world):
        admin = world.user(ADMIN)
        with audit_context(admin, source="web", request_id="r-123"):
            pairing = _new_pairing(world, notes="")
            pairing.notes = "2024年度协议已签订"
            pairing.save()
            pk = pairing.pk
            pairing.delete()

        records = list(
            ChangeRecord.objects.filter(
                table_name=Pairing._meta.db_table, object_id=str(pk)
            ).order_by("time", "id")
        )
        assert [r.action for r in records] == ["create", "update", "delete"]
        for record in records:
            assert record.actor_id == admin.pk
            assert record.source == "web"
            assert record.request_id == "r-123"

        create, update, delete = records
        # Inserts and deletes keep the whole row.
        assert create.changes["notes"] == ""
        assert create.changes["helping_region_id"] == world.regions["zs"].pk
        assert delete.changes["notes"] == "2024年度协议已签订"
        # Updates keep only the column that changed, as [old, new].
        assert update.changes == {"notes": ["", "2024年度协议已签订"]}

    def test_update_touching_only_updated_at_records_nothing(self, world):
        pairing = world.in_scope_pairing
        before = ChangeRecord.objects.count()
        Pairing.objects.filter(pk=pairing.pk).update(updated_at=timezone.now())
        with audit_context(world.user(ADMIN), source="web"):
            pairing.save(update_fields=["updated_at"])
        assert ChangeRecord.objects.count() == before

    def test_save_without_changes_records_nothing(self, world):
        pairing = world.in_scope_pairing
        before = ChangeRecord.objects.count()
        with audit_context(world.user(ADMIN), source="web"):
            Pairing.objects.get(pk=pairing.pk).save()
        assert ChangeRecord.objects.count() == before


class TestWritesBypassingSave:
    def test_bulk_update_records_one_change_per_row(self, world):
        admin = world.user(ADMIN)
        targets = [world.pairings["zsg-sc"], world.pairings["th-xqg"]]
        with audit_context(admin, source="task", request_id="bulk-1"):
            updated = Pairing.objects.filter(pk__in=[p.pk for p in targets]).update(
                notes="批量更新"
            )
        assert updated == 2
        for pairing in targets:
            (record,) = _records(pairing, action="update")
            assert record.changes == {"notes": ["", "批量更新"]}
            assert record.actor_id == admin.pk
            assert record.source == "task"
            assert record.request_id == "bulk-1"
        untouched = world.pairings["gd-gz"]
        assert _records(untouched, action="update") == []

    def test_raw_sql_update_is_recorded_with_source_sql(self, world):
        pairing = world.in_scope_pairing
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Pairing._meta.db_table} SET notes = %s WHERE id = %s",  # noqa: S608
                ["直接修改", pairing.pk],
            )
        (record,) = _records(pairing, action="update")
        assert record.source == "sql"
        assert record.actor_id is None
        assert record.request_id == ""
        assert record.changes == {"notes": ["", "直接修改"]}


class TestRedaction:
    def test_password_change_is_recorded_as_redacted(self, world):
        user = world.user(COORDINATOR)
        old_hash = user.password
        with audit_context(world.user(ADMIN), source="admin"):
            user.set_password("a-new-Passw0rd-for-test")
            user.save()
        user.refresh_from_db()
        (record,) = _records(user, action="update")
        assert record.changes["password"] == "***"
        serialized = str(record.changes)
        assert old_hash not in serialized
        assert user.password not in serialized

    def test_new_user_row_never_stores_the_hash(self, world):
        user = world.user(ADMIN)
        (record,) = _records(user, action="create")
        assert record.changes["password"] == "***"
        assert user.password not in str(record.changes)


class TestAuthorship:
    def test_created_by_and_updated_by_come_from_the_audit_context(self, world):
        coordinator, admin = world.user(COORDINATOR), world.user(ADMIN)
        with audit_context(coordinator, source="web"):
            pairing = _new_pairing(world)
        assert pairing.created_by == coordinator
        assert pairing.updated_by == coordinator

        with audit_context(admin, source="web"):
            pairing.notes = "管理员补充"
            pairing.save()
        pairing.refresh_from_db()
        assert pairing.created_by == coordinator
        assert pairing.updated_by == admin

    def test_writes_outside_a_context_have_no_author(self, world):
        pairing = _new_pairing(world)
        assert pairing.created_by is None
        assert pairing.updated_by is None
        (record,) = _records(pairing, action="create")
        assert record.actor_id is None
        assert record.source == "sql"


class TestHistoryPage:
    def test_admin_sees_field_label_old_and_new_value_and_actor(self, world):
        admin = world.user(ADMIN)
        pairing = world.in_scope_pairing
        with audit_context(admin, source="web", request_id="r-123"):
            pairing.notes = "2024年度协议已签订"
            pairing.save()

        client = Client()
        client.force_login(admin)
        response = client.get(reverse("pairings:pairing_history", args=[pairing.pk]))
        assert response.status_code == 200

        update = next(r for r in response.context["page"] if r.action == "update")
        assert update.actor == admin
        [change] = update.field_changes
        assert (change.label, change.old, change.new) == ("备注", "", "2024年度协议已签订")

        html = response.content.decode()
        assert "备注" in html  # the field's label, not the column "notes"
        assert "2024年度协议已签订" in html
        assert str(admin) in html
        assert "网页" in html  # the source, "Web page"


class TestRequestWrites:
    """The middleware and the API name the actor, source and request id for the triggers."""

    def test_browser_edit_records_web_source_and_request_id(self, world):
        admin = world.user(ADMIN)
        pairing = world.in_scope_pairing
        client = Client()
        client.force_login(admin)
        data = pairing_form_data(pairing, notes="网页修改")
        response = client.post(
            reverse("pairings:pairing_edit", args=[pairing.pk]),
            data,
            HTTP_X_REQUEST_ID="web-req-0001",
        )
        assert response.status_code == 302
        (record,) = _records(pairing, action="update")
        assert (record.actor_id, record.source, record.request_id) == (
            admin.pk,
            "web",
            "web-req-0001",
        )
        assert record.changes == {"notes": ["", "网页修改"]}
        pairing.refresh_from_db()
        assert pairing.updated_by == admin
        assert _session_setting("aidtrack.actor_id") == ""

    def test_api_write_records_api_source_and_request_id(self, world):
        coordinator = world.user(COORDINATOR)
        pairing = world.in_scope_pairing
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(COORDINATOR)}")
        response = client.patch(
            f"/api/v1/pairings/{pairing.pk}/",
            {"notes": "接口修改"},
            format="json",
            HTTP_X_REQUEST_ID="api-req-0001",
        )
        assert response.status_code == 200, response.content
        (record,) = _records(pairing, action="update")
        assert (record.actor_id, record.source, record.request_id) == (
            coordinator.pk,
            "api",
            "api-req-0001",
        )
        pairing.refresh_from_db()
        assert pairing.updated_by == coordinator
        assert _session_setting("aidtrack.actor_id") == ""


class TestNoLeakage:
    def test_session_variables_are_cleared_when_the_context_exits(self, world):
        with audit_context(world.user(ADMIN), source="web", request_id="r-123"):
            assert _session_setting("aidtrack.actor_id") == str(world.user(ADMIN).pk)
            assert _session_setting("aidtrack.source") == "web"
            assert _session_setting("aidtrack.request_id") == "r-123"
        assert _session_setting("aidtrack.actor_id") == ""
        assert _session_setting("aidtrack.source") == ""
        assert _session_setting("aidtrack.request_id") == ""
        assert current_actor.get() is None

    def test_context_is_cleared_even_when_the_block_raises(self, world):
        try:
            with audit_context(world.user(ADMIN), source="web", request_id="r-err"):
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        assert _session_setting("aidtrack.actor_id") == ""
        assert current_actor.get() is None

        # The next write is not attributed to the previous actor.
        pairing = world.in_scope_pairing
        Pairing.objects.filter(pk=pairing.pk).update(notes="之后")
        (record,) = _records(pairing, action="update")
        assert record.actor_id is None
        assert record.source == "sql"
