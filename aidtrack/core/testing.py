"""Generated access tests for every model (after NetBox's ViewTestCases).

A model's test class inherits ``ObjectAccessTests``, states a few attributes
and gets create/read/update/delete tests for each role, in scope and out of
scope, in the browser and over the API::

    class TestPairingAccess(ObjectAccessTests):
        views = PairingViews
        api_url = "api:pairing"
        update_changes = {"notes": "changed"}

        def make_object(self, world, in_scope, index=0): ...
        def create_data(self, world, in_scope): ...

The tests need a ``world`` fixture (tests/conftest.py) with ``user(role)``
for each role in ``ROLES``; the coordinator is scoped so that "in scope"
objects are inside and "out of scope" objects outside its pairings.
"""

import io
from dataclasses import dataclass

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from aidtrack.core import scoping
from aidtrack.core.models import ChangeRecord
from aidtrack.core.transitions import transitions_of

ADMIN, COORDINATOR, LEADER, PARTNER, ANONYMOUS = (
    "admin",
    "coordinator",
    "leader",
    "partner",
    "anonymous",
)
ROLES = (ADMIN, COORDINATOR, LEADER, PARTNER, ANONYMOUS)
SIGNED_IN = (ADMIN, COORDINATOR, LEADER, PARTNER)


@dataclass(frozen=True)
class Expect:
    """What a role should get for an action on an object in or out of its scope."""

    browser: int
    api: int
    changes: bool = False


def expected_read(role: str, in_scope: bool, *, scoped_model: bool = True) -> Expect:
    """Reads: every signed-in role; coordinators only inside their scope."""
    if role == ANONYMOUS:
        return Expect(browser=302, api=401)
    if role == PARTNER:
        return Expect(browser=403, api=200)  # partner accounts are API-only
    if role == COORDINATOR and scoped_model and not in_scope:
        return Expect(browser=404, api=404)
    return Expect(browser=200, api=200)


def coordinators_write(model) -> bool:
    """Whether coordinators may write the model at all (its ``write_roles``, or the default)."""
    roles = getattr(model, "write_roles", None)
    if roles is None:
        return scoping.is_pairing_scoped(model)
    return COORDINATOR in roles


def expected_write(role: str, in_scope: bool, model) -> Expect:
    """Writes: administrators anywhere; coordinators in scope where the model lets them."""
    if role == ANONYMOUS:
        return Expect(browser=302, api=401)
    if role == ADMIN:
        return Expect(browser=302, api=200, changes=True)
    if role == COORDINATOR and coordinators_write(model):
        if in_scope:
            return Expect(browser=302, api=200, changes=True)
        return Expect(browser=404, api=404)
    return Expect(browser=403, api=403)


class _AccessTests:
    """Declarations and helpers shared by the generated tests."""

    views = None  # the ObjectViews subclass
    api_url = ""  # "api:<basename>"; "" for a model without API
    update_changes: dict = {}

    # -- declared by the model's test class --------------------------------
    def make_object(self, world, in_scope: bool, index: int = 0):
        raise NotImplementedError

    def create_data(self, world, in_scope: bool) -> dict:
        raise NotImplementedError

    # -- helpers -------------------------------------------------------------
    @property
    def model(self):
        return self.views.model

    @property
    def scoped_model(self) -> bool:
        return scoping.is_pairing_scoped(self.model)

    def browser(self, world, role):
        from django.test import Client

        client = Client()
        if role != ANONYMOUS:
            client.force_login(world.user(role))
        return client

    def api(self, world, role, *, write=True):
        client = APIClient()
        if role != ANONYMOUS:
            key = world.token(role, write=write)
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    def url(self, action, obj=None):
        args = [obj.pk] if obj is not None else []
        return reverse(self.model.url_name(action), args=args)

    def api_url_for(self, obj=None):
        if obj is None:
            return reverse(f"{self.api_url}-list")
        return reverse(f"{self.api_url}-detail", args=[obj.pk])

    def form_data(self, world, obj) -> dict:
        """The edit form's current values for ``obj``, as a browser would post them."""
        form = self.views.form_class(instance=obj, user=world.user(ADMIN))
        data = {}
        for name, field in form.fields.items():
            if isinstance(field, forms.FileField):
                continue  # an unchanged file is simply not posted again
            value = form[name].value()
            if value is None:
                continue
            if isinstance(value, list | tuple):
                value = [str(v) for v in value]
            elif isinstance(value, bool):
                if not value:
                    continue
                value = "on"
            data[name] = value
        data.update(self.update_changes)
        return data

    def assert_no_page(self, action):
        """A write the pages do not offer has no URL at all, for anyone."""
        with pytest.raises(NoReverseMatch):
            reverse(self.model.url_name(action), args=[1])

    def expected_api_write(self, role, in_scope, action) -> Expect:
        """As ``expected_write``; a write not offered is 405 for whoever passes the checks."""
        expect = expected_write(role, in_scope, self.model)
        if self.views.offers(action) or expect.api not in (200, 404):
            return expect
        return Expect(browser=expect.browser, api=405)

    def assert_unchanged(self, obj):
        fresh = type(obj)._default_manager.get(pk=obj.pk)
        for name in self.update_changes:
            assert getattr(fresh, name) == getattr(obj, name)

    def assert_changed(self, obj):
        fresh = type(obj)._default_manager.get(pk=obj.pk)
        for name, value in self.update_changes.items():
            assert str(getattr(fresh, name)) == str(value)


class BrowserReadTests(_AccessTests):
    """List, detail and export pages: scoped for every role; query counts pinned."""

    # -- browser ---------------------------------------------------------------
    @pytest.mark.parametrize("role", ROLES)
    def test_browser_list(self, world, role):
        inside = self.make_object(world, in_scope=True)
        outside = self.make_object(world, in_scope=False)
        response = self.browser(world, role).get(self.url("list"))
        expect = expected_read(role, in_scope=True)
        assert response.status_code == expect.browser
        if expect.browser == 200:
            listed = {obj.pk for obj, _cells in response.context["rows"]}
            assert inside.pk in listed
            assert (outside.pk in listed) == (
                expected_read(role, False, scoped_model=self.scoped_model).browser == 200
            )

    @pytest.mark.parametrize("in_scope", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ROLES)
    def test_browser_detail(self, world, role, in_scope):
        obj = self.make_object(world, in_scope=in_scope)
        response = self.browser(world, role).get(self.url("detail", obj))
        assert (
            response.status_code
            == expected_read(role, in_scope, scoped_model=self.scoped_model).browser
        )

    @pytest.mark.parametrize("fmt", ["csv", "xlsx"])
    def test_export_is_scoped(self, world, fmt):
        inside = self.make_object(world, in_scope=True)
        outside = self.make_object(world, in_scope=False)
        response = self.browser(world, COORDINATOR).get(self.url("list"), {"export": fmt})
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        first_column = self.views.table_class(self.model).columns[0]
        if fmt == "csv":
            text = body.decode("utf-8-sig")
        else:
            assert body.startswith(b"PK")  # a zip container, as xlsx files are
            text = _xlsx_text(body)
        assert first_column.text(inside) in text
        assert (first_column.text(outside) in text) == (not self.scoped_model)

    def test_list_query_count_does_not_grow(self, world):
        client = self.browser(world, COORDINATOR)
        self.make_object(world, in_scope=True, index=0)
        client.get(self.url("list"))  # warm-up: once-per-session writes are not per-row
        with CaptureQueriesContext(connection) as few:
            assert client.get(self.url("list")).status_code == 200
        for index in range(1, 6):
            self.make_object(world, in_scope=True, index=index)
        # New rows may move the scope mark (a new pairing or organisation): the
        # next request reads the scope once more, once, not per row.
        client.get(self.url("list"))
        with CaptureQueriesContext(connection) as many:
            assert client.get(self.url("list")).status_code == 200
        assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def _xlsx_text(body: bytes) -> str:
    """Every cell of an exported workbook's (only) sheet, one line per row, as text."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return "\n".join(
        ",".join("" if value is None else str(value) for value in row)
        for row in sheet.iter_rows(values_only=True)
    )


class BrowserWriteTests(_AccessTests):
    """Create, edit and delete pages: administrators anywhere, coordinators in scope."""

    @pytest.mark.parametrize("in_scope", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ROLES)
    def test_browser_create(self, world, role, in_scope):
        data = self.create_data(world, in_scope)
        before = self.model._default_manager.count()
        response = self.browser(world, role).post(self.url("add"), data)
        expect = expected_write(role, in_scope, self.model)
        if role == COORDINATOR and not in_scope and coordinators_write(self.model):
            # Out-of-scope targets are not even offered: the form refuses them.
            # (Reference data has no scope: the role is refused outright.)
            expect = Expect(browser=400, api=400)
        assert response.status_code == expect.browser, getattr(response, "context", None) and (
            response.context.get("form") and response.context["form"].errors
        )
        assert self.model._default_manager.count() == before + (1 if expect.changes else 0)

    @pytest.mark.parametrize("in_scope", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ROLES)
    def test_browser_update(self, world, role, in_scope):
        if not self.views.offers(scoping.CHANGE):
            return self.assert_no_page("edit")
        obj = self.make_object(world, in_scope=in_scope)
        data = self.form_data(world, obj)
        response = self.browser(world, role).post(self.url("edit", obj), data)
        expect = expected_write(role, in_scope, self.model)
        assert response.status_code == expect.browser, (
            response.context and response.context.get("form") and response.context["form"].errors
        )
        if expect.changes:
            self.assert_changed(obj)
            assert (
                ChangeRecord.objects.for_object(obj)
                .filter(action="update", actor=world.user(role))
                .exists()
            )
        else:
            self.assert_unchanged(obj)

    @pytest.mark.parametrize("in_scope", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ROLES)
    def test_browser_delete(self, world, role, in_scope):
        if not self.views.offers(scoping.DELETE):
            return self.assert_no_page("delete")
        obj = self.make_object(world, in_scope=in_scope)
        response = self.browser(world, role).post(self.url("delete", obj))
        expect = expected_write(role, in_scope, self.model)
        assert response.status_code == expect.browser
        exists = self.model._default_manager.filter(pk=obj.pk).exists()
        assert exists != expect.changes


class HistoryTests(_AccessTests):
    """The History tab: scoped like the record, showing its creation."""

    @pytest.mark.parametrize("in_scope", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", (ADMIN, COORDINATOR, LEADER))
    def test_browser_history(self, world, role, in_scope):
        obj = self.make_object(world, in_scope=in_scope)
        response = self.browser(world, role).get(self.url("history", obj))
        expect = expected_read(role, in_scope, scoped_model=self.scoped_model)
        assert response.status_code == expect.browser
        if expect.browser == 200:
            actions = [record.action for record in response.context["page"]]
            assert "create" in actions


class ApiReadTests(_AccessTests):
    """API list and retrieve: scoped for every role; query counts pinned."""

    # -- API ---------------------------------------------------------------
    @pytest.mark.parametrize("role", ROLES)
    def test_api_list(self, world, role):
        inside = self.make_object(world, in_scope=True)
        outside = self.make_object(world, in_scope=False)
        response = self.api(world, role).get(self.api_url_for())
        expect = expected_read(role, in_scope=True)
        assert response.status_code == expect.api
        if expect.api == 200:
            ids = {row["id"] for row in response.json()["results"]}
            assert inside.pk in ids
            assert (outside.pk in ids) == (
                expected_read(role, False, scoped_model=self.scoped_model).api == 200
            )

    @pytest.mark.parametrize("in_scope", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ROLES)
    def test_api_retrieve(self, world, role, in_scope):
        obj = self.make_object(world, in_scope=in_scope)
        response = self.api(world, role).get(self.api_url_for(obj))
        assert (
            response.status_code
            == expected_read(role, in_scope, scoped_model=self.scoped_model).api
        )

    def test_api_list_query_count_does_not_grow(self, world):
        client = self.api(world, COORDINATOR)
        self.make_object(world, in_scope=True, index=0)
        client.get(self.api_url_for())  # warm-up: the token's last use is recorded once
        with CaptureQueriesContext(connection) as few:
            assert client.get(self.api_url_for()).status_code == 200
        for index in range(1, 6):
            self.make_object(world, in_scope=True, index=index)
        client.get(self.api_url_for())  # the scope read again if the rows moved its mark
        with CaptureQueriesContext(connection) as many:
            assert client.get(self.api_url_for()).status_code == 200
        assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


class ApiWriteTests(_AccessTests):
    """API create, update and delete, and read-only tokens."""

    @pytest.mark.parametrize("in_scope", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ROLES)
    def test_api_create(self, world, role, in_scope):
        before = self.model._default_manager.count()
        response = self.api(world, role).post(
            self.api_url_for(), self.create_data(world, in_scope), format="json"
        )
        expect = expected_write(role, in_scope, self.model)
        expected_status = {200: 201, 404: 400}.get(expect.api, expect.api)
        assert response.status_code == expected_status, response.content
        assert self.model._default_manager.count() == before + (1 if expect.changes else 0)

    @pytest.mark.parametrize("in_scope", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ROLES)
    def test_api_update(self, world, role, in_scope):
        obj = self.make_object(world, in_scope=in_scope)
        response = self.api(world, role).patch(
            self.api_url_for(obj), self.update_changes, format="json"
        )
        expect = self.expected_api_write(role, in_scope, scoping.CHANGE)
        assert response.status_code == expect.api, response.content
        if expect.changes:
            self.assert_changed(obj)
            record = ChangeRecord.objects.for_object(obj).filter(action="update").first()
            assert record.actor == world.user(role) and record.source == "api"
        else:
            self.assert_unchanged(obj)

    @pytest.mark.parametrize("in_scope", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ROLES)
    def test_api_delete(self, world, role, in_scope):
        obj = self.make_object(world, in_scope=in_scope)
        response = self.api(world, role).delete(self.api_url_for(obj))
        expect = self.expected_api_write(role, in_scope, scoping.DELETE)
        assert response.status_code == {200: 204}.get(expect.api, expect.api)
        assert self.model._default_manager.filter(pk=obj.pk).exists() != expect.changes

    def test_api_read_only_token_cannot_write(self, world):
        obj = self.make_object(world, in_scope=True)
        client = self.api(world, COORDINATOR, write=False)
        response = client.patch(self.api_url_for(obj), self.update_changes, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        self.assert_unchanged(obj)


class MemorySheet:
    """A sheet already in memory, as ``reading.open_sheet`` gives one (header, numbered rows)."""

    def __init__(self, header: list, rows: list[list]):
        self.header = header
        self._rows = rows

    def rows(self):
        return ((number, list(cells)) for number, cells in enumerate(self._rows, start=2))


class ImportTests(_AccessTests):
    """A model with ``imports`` imports the record its create test posts, generated.

    The create data is written as a sheet would carry it (references by the
    name or code their model's lookups read), checked, committed (change
    records of source ``import``), committed again (unchanged: nothing
    written twice) and, with the data out of the coordinator's scope, refused
    row by row with nothing written.
    """

    def sheet_from(self, world, data: dict):
        from aidtrack.core.imports.spec import ImportPlan, lookup_label

        plan = ImportPlan(self.views, world.user(ADMIN))
        header, row = [], []
        for column in plan.columns:
            if column.name not in data:
                continue
            value = data[column.name]
            queryset = getattr(column.form_field, "queryset", None)
            if queryset is not None:
                model = queryset.model
                lookup = {"to_field_name": column.form_field.to_field_name or "pk"}
                value = lookup_label(model._base_manager.get(**{lookup["to_field_name"]: value}))
            header.append(column.header)
            row.append(value)
        return MemorySheet(header, [row])

    def run_import(self, world, role, data, *, commit):
        from aidtrack.core.imports.engine import Run

        run = Run(self.views, world.user(role))
        sheet = self.sheet_from(world, data)
        return run.commit(sheet) if commit else run.check(sheet)

    def test_import_creates_then_leaves_unchanged(self, world):
        if self.views.imports is None:
            pytest.skip("not imported")
        role = COORDINATOR if coordinators_write(self.model) else ADMIN
        data = self.create_data(world, in_scope=True)
        before = self.model._default_manager.count()
        checked = self.run_import(world, role, data, commit=False)
        assert checked.errors == [] and checked.counts["new"] == 1, (checked.errors, checked.counts)
        assert self.model._default_manager.count() == before
        committed = self.run_import(world, role, data, commit=True)
        assert committed.errors == [] and committed.counts["new"] == 1, committed.errors
        assert self.model._default_manager.count() == before + 1
        again = self.run_import(world, role, data, commit=True)
        assert again.errors == [] and again.counts["unchanged"] == 1, (again.errors, again.counts)
        assert self.model._default_manager.count() == before + 1

    def test_import_out_of_scope_is_an_error_row(self, world):
        if self.views.imports is None or not self.scoped_model:
            pytest.skip("not imported, or not pairing-scoped")
        data = self.create_data(world, in_scope=False)
        before = self.model._default_manager.count()
        outcome = self.run_import(world, COORDINATOR, data, commit=True)
        assert outcome.counts["invalid"] == 1 and outcome.errors
        assert outcome.errors[0].row == 2
        assert self.model._default_manager.count() == before


class ObjectAccessTests(
    BrowserReadTests, BrowserWriteTests, HistoryTests, ApiReadTests, ApiWriteTests, ImportTests
):
    """Everything: for a model edited in the browser and over the API, with history."""


class ReadOnlyAccessTests(BrowserReadTests, ApiReadTests):
    """For reference data that is read-only in the browser and the API."""


class TransitionTests(_AccessTests):
    """Every transition of the model's table, generated: allowed, wrong status, wrong role.

    The test class names a valid payload per transition (posted as the
    browser form and as API JSON)::

        steps = {"approve": {}, "cancel": {"reason": "no land"}}

    ``make_object`` makes the record; it is put in the transition's first
    source status with a plain UPDATE. Override ``ready_object`` where a step
    needs more (a report submitted by someone else), ``payload`` where it
    depends on the record. Every transition of the table must be listed.
    """

    steps: dict[str, dict] = {}

    def pytest_generate_tests(self, metafunc):
        if "transition_name" not in metafunc.fixturenames:
            return
        table = transitions_of(self.views.model)
        names = [name for name in self.steps if name in table]
        only = {
            # Only steps with a status precondition can be tried from a wrong status.
            "test_transition_from_a_wrong_status_is_a_conflict": lambda t: bool(t.sources),
            "test_a_step_only_an_administrator_may_take_is_refused_to_coordinators": (
                lambda t: self.runner(t) != COORDINATOR
            ),
        }.get(metafunc.function.__name__)
        if only is not None:
            names = [name for name in names if only(table[name])]
        metafunc.parametrize("transition_name", names)

    # -- declarations -------------------------------------------------------------
    def ready_object(self, world, transition, in_scope: bool = True):
        """A record ``transition`` may run on."""
        record = self.make_object(world, in_scope=in_scope)
        if transition.sources:
            self._set_status(record, transition.sources[0])
        return record

    def payload(self, world, transition, record) -> dict:
        return self.steps[transition.name]

    # -- helpers -----------------------------------------------------------------
    @property
    def table(self):
        return transitions_of(self.model)

    def _set_status(self, record, status):
        type(record)._base_manager.filter(pk=record.pk).update(status=status)
        record.refresh_from_db()

    def runner(self, transition) -> str:
        """The role that runs the step: a coordinator where the step is theirs."""
        return COORDINATOR if transition.roles is None or COORDINATOR in transition.roles else ADMIN

    def transition_url(self, record, transition, api=False):
        if api:
            return reverse(f"{self.api_url}-{transition.name}", args=[record.pk])
        return reverse(self.model.url_name("transition"), args=[record.pk, transition.name])

    def snapshot(self, record):
        fresh = type(record)._base_manager.get(pk=record.pk)
        return {
            field.attname: getattr(fresh, field.attname)
            for field in fresh._meta.concrete_fields
            if field.name not in ("updated_at", "updated_by")
        }

    def assert_moved(self, record, transition):
        if transition.target is not None:
            record.refresh_from_db()
            assert record.status == transition.target

    # -- tests -------------------------------------------------------------------
    def test_every_transition_is_tested(self):
        assert set(self.steps) == {transition.name for transition in self.table}

    def test_transition_in_the_browser(self, world, transition_name):
        transition = self.table[transition_name]
        record = self.ready_object(world, transition)
        role = self.runner(transition)
        url = self.transition_url(record, transition)
        assert self.browser(world, role).get(url).status_code == 200
        response = self.browser(world, role).post(url, self.payload(world, transition, record))
        assert response.status_code == 302, response.context and response.context["form"].errors
        self.assert_moved(record, transition)

    def test_transition_over_the_api(self, world, transition_name):
        transition = self.table[transition_name]
        record = self.ready_object(world, transition)
        response = self.api(world, self.runner(transition)).post(
            self.transition_url(record, transition, api=True),
            self.payload(world, transition, record),
            format="json",
        )
        assert response.status_code in (200, 201), response.content
        self.assert_moved(record, transition)

    def test_transition_from_a_wrong_status_is_a_conflict(self, world, transition_name):
        transition = self.table[transition_name]
        record = self.ready_object(world, transition)
        payload = self.payload(world, transition, record)
        wrong = next(
            value
            for value, _label in self.model._meta.get_field("status").choices
            if value not in transition.sources
        )
        self._set_status(record, wrong)
        before = self.snapshot(record)
        role = self.runner(transition)
        api = self.api(world, role).post(
            self.transition_url(record, transition, api=True), payload, format="json"
        )
        assert api.status_code == 409, api.content
        assert api.json()["code"] == "conflict"
        browser = self.browser(world, role).post(self.transition_url(record, transition), payload)
        assert browser.status_code == 409
        assert self.snapshot(record) == before

    @pytest.mark.parametrize("role", (LEADER, ANONYMOUS, "coordinator_out_of_scope"))
    def test_transition_refused_for_a_role_that_may_not(self, world, transition_name, role):
        transition = self.table[transition_name]
        in_scope = role != "coordinator_out_of_scope"
        record = self.ready_object(world, transition, in_scope=in_scope)
        payload = self.payload(world, transition, record)
        before = self.snapshot(record)
        acting = COORDINATOR if role == "coordinator_out_of_scope" else role
        if acting == COORDINATOR and self.runner(transition) != COORDINATOR:
            expected_api = 403  # the role may not run this step anywhere
        else:
            expected_api = {LEADER: 403, ANONYMOUS: 401, COORDINATOR: 404}[acting]
        response = self.api(world, acting).post(
            self.transition_url(record, transition, api=True), payload, format="json"
        )
        assert response.status_code == expected_api, response.content
        browser = self.browser(world, acting).post(self.transition_url(record, transition), payload)
        assert browser.status_code == {401: 302}.get(expected_api, expected_api)
        assert self.snapshot(record) == before

    def test_a_step_only_an_administrator_may_take_is_refused_to_coordinators(
        self, world, transition_name
    ):
        transition = self.table[transition_name]
        record = self.ready_object(world, transition)
        before = self.snapshot(record)
        response = self.api(world, COORDINATOR).post(
            self.transition_url(record, transition, api=True),
            self.payload(world, transition, record),
            format="json",
        )
        assert response.status_code == 403
        assert self.snapshot(record) == before
