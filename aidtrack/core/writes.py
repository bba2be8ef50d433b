"""How a model's records are written: one declaration, read by every write path.

A model whose writes must hold invariants (locks, totals, generated codes)
names the services that save and delete it::

    class FundAllocation(BaseModel):
        writes = Writes(
            save="funds.services.fund_allocation_save",
            delete="funds.services.fund_allocation_delete",
        )

The generic edit and delete pages, ``ScopedModelViewSet`` and imports call
``save_record`` / ``delete_record``, never ``instance.save()`` directly, so
forms and serializers only validate. A model without a declaration is saved
and deleted plainly. Services are named by dotted path because they import
the model.

The contract of a save service: ``save(record, *, user, **extra)`` returns
the saved record (``extra`` is what a form adds beyond the model's fields,
see ``ScopedModelForm.service_arguments``); of a delete service:
``delete(record, *, user)``. Either refuses with a ``ValidationError``.

Imports save many new or changed records at once with ``save_records``. A
model whose service would cost a lock and a few queries per row names a
service for many (``save_many``: ``save_many(records, *, user)``) that takes
its locks and reads its totals once for all of them, checks each record's
own rules (what ``full_clean`` checks, without a query per record: its
callers leave that to it), and refuses with ``RecordErrors`` naming every
record that breaks a rule, saving none. The
single-record service is then that service for one record, so the rule lives
in one place.
"""

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.module_loading import import_string


class RecordErrors(Exception):
    """Some of the records given to ``save_records`` break a rule: ``errors[index]`` says why."""

    def __init__(self, errors: dict[int, ValidationError]):
        super().__init__(f"{len(errors)} records refused")
        self.errors = errors


@dataclass(frozen=True)
class Writes:
    save: str | None = None
    delete: str | None = None
    save_many: str | None = None

    @cached_property
    def save_many_service(self):
        return import_string(self.save_many) if self.save_many else None

    @cached_property
    def save_service(self):
        return import_string(self.save) if self.save else None

    @cached_property
    def delete_service(self):
        return import_string(self.delete) if self.delete else None


_PLAIN = Writes()


def writes_of(model) -> Writes:
    return getattr(model, "writes", None) or _PLAIN


def save_record(record, *, user, **extra):
    """Save ``record`` (new or changed) the way its model declares."""
    service = writes_of(type(record)).save_service
    if service is not None:
        return service(record, user=user, **extra)
    record.save()
    return record


def save_records(records: list, *, user) -> list:
    """Save ``records`` (new or changed, of one model) or none of them.

    Runs inside the caller's transaction. Without a service for many, each
    record is saved as ``save_record`` would, in a savepoint of its own, so
    one refusal does not hide the next: every refused record is named in the
    ``RecordErrors`` raised at the end, and the caller rolls back.
    """
    if not records:
        return []
    service = writes_of(type(records[0])).save_many_service
    if service is not None:
        return service(records, user=user)
    saved, errors = [], {}
    for index, record in enumerate(records):
        try:
            with transaction.atomic():
                saved.append(save_record(record, user=user))
        except ValidationError as error:
            errors[index] = error
    if errors:
        raise RecordErrors(errors)
    return saved


def delete_record(record, *, user) -> None:
    """Delete ``record`` the way its model declares."""
    service = writes_of(type(record)).delete_service
    if service is not None:
        service(record, user=user)
    else:
        record.delete()
