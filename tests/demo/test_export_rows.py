"""Exports read as column values (core.export_rows) are the bytes the instances gave.

Every list with an export is downloaded over the demo's rows (plus what the
demo lacks: text that reads as a formula, an empty phone, a reversal, an
empty optional link), as CSV and XLSX, in Chinese and English, once the new
way and once from model instances (the path a list whose column needs the
instance still takes): the CSV must be the same bytes, and each part of the
XLSX's zip the same content. Small chunks and memo tables make the chunk
boundaries and the memo's starting again part of the comparison.
"""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

import aidtrack.urls  # noqa: F401  (every ObjectViews subclass is defined once the URLs are)
from accounts.models import User
from aidtrack.core import export_rows, exports
from aidtrack.core.views import ObjectViews
from cadres.models import Person
from funds.models import FundTransaction, OverAllocation
from funds.services import fund_transaction_reverse
from pairings.models import Pairing
from projects.models import OutcomeEvidence, OutcomeReport, ProgressUpdate, ProjectAttachment

pytestmark = pytest.mark.xdist_group("demo")

HOSTILE = '=HYPERLINK("http://evil.example/","x")'

# The lists whose columns need the instance (a property reading related records
# or a computed list): they are exported from instances, as before.
READ_FROM_INSTANCES = {
    "projects.outcomereport",  # subject: the project, else the pairing
    "funds.donation",  # donor, recipient: the organisation, else the name
    "funds.consumptionsupport",  # buyer: the organisation, else the channel
    "cadres.mentorship",  # apprentice_count: the length of a JSON list
}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _exported_views():
    seen = {}
    for views in _subclasses(ObjectViews):
        if views.model is not None and views.table_class is not None:
            seen.setdefault(views.list_url(), views)
    return [seen[name] for name in sorted(seen)]


VIEWS = _exported_views()


@pytest.fixture
def admin_client(demo_loaded):
    """The admin's browser, with rows of the kinds the demo lacks."""
    person = Person.objects.order_by("id").first()
    Person.objects.filter(pk=person.pk).update(name=HOSTILE, phone="", title="-1")
    entry = (
        FundTransaction.objects.filter(
            kind="expenditure", reverses__isnull=True, reversal__isnull=True
        )
        .order_by("id")
        .first()
    )
    fund_transaction_reverse(entry, date=entry.date + datetime.timedelta(days=1), user=None)
    admin = User.objects.get(username="admin")
    OverAllocation.objects.create(
        pairing=Pairing.objects.order_by("id").first(),
        year=2024,
        amount=Decimal("12345.60"),
        reason="+追加",
        approved_by=admin,
    )
    update = ProgressUpdate.objects.order_by("id").first()
    ProjectAttachment.objects.bulk_create(
        [
            ProjectAttachment(
                project=update.project,
                progress_update=update,
                title="@方案",
                file="attachments/plan.pdf",
                size=10,
            ),
            ProjectAttachment(project=update.project, title="空", file="", size=0),
        ]
    )
    report = OutcomeReport.objects.order_by("id").first()
    OutcomeEvidence.objects.bulk_create(
        [
            OutcomeEvidence(report=report, title="照片", file="evidence/photo.jpg", size=20),
            OutcomeEvidence(report=report, title="+表", file="evidence/table.xlsx", size=30),
        ]
    )
    client = Client()
    client.force_login(admin)
    return client


def _body(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _download(client, views, fmt, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return _body(client.get(reverse(views.list_url()), {"export": fmt}))


def _parts(body: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("views", VIEWS, ids=[v.model._meta.label_lower for v in VIEWS])
def test_values_export_is_the_instances_export(admin_client, views, language, monkeypatch):
    monkeypatch.setattr(export_rows, "CHUNK_SIZE", 7)
    monkeypatch.setattr(exports, "CHUNK_SIZE", 7)
    monkeypatch.setattr(export_rows, "MEMO_SIZE", 5)
    label = views.model._meta.label_lower
    table = views.table_class(views.model)
    queryset = table.prepare(views.model.objects.all())
    uses_values = export_rows.cell_chunks(table, queryset, str) is not None
    assert uses_values == (label not in READ_FROM_INSTANCES), label

    csv_new = _download(admin_client, views, "csv", language)
    xlsx_new = _download(admin_client, views, "xlsx", language)
    monkeypatch.setattr(export_rows, "cell_chunks", lambda *args: None)
    csv_old = _download(admin_client, views, "csv", language)
    xlsx_old = _download(admin_client, views, "xlsx", language)

    assert csv_new == csv_old
    assert csv_new.count(b"\n") > 2, "the comparison needs rows"
    assert _parts(xlsx_new) == _parts(xlsx_old)


def test_the_comparison_sees_formulas_masks_and_reversals(admin_client):
    """The rows the comparison relies on are in the exports, neutralised and masked."""
    people = _download(admin_client, _views_of("cadres.person"), "csv", "zh-hans").decode()
    assert "'" + HOSTILE.replace('"', '""') in people
    assert "'-1" in people
    ledger = _download(admin_client, _views_of("funds.fundtransaction"), "csv", "zh-hans")
    assert ledger.count(b",-") >= 1  # the reversal's negated amount, a number


def test_a_property_reading_an_undeclared_field_fails_loudly(demo_loaded):
    """A bare instance cannot load a field its column did not declare: no query per row."""
    from aidtrack.core.tables import Column, Table

    class Wrong(Table):
        columns = [Column("masked_phone", "phone", reads=("name",))]

    table = Wrong(Person)
    chunks = export_rows.cell_chunks(table, Person.objects.all(), str)
    with pytest.raises(AttributeError):
        next(chunks)


def _views_of(label):
    return next(v for v in VIEWS if v.model._meta.label_lower == label)
