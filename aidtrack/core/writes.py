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
"""

from dataclasses import dataclass
from functools import cached_property

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Writes:
    save: str | None = None
    delete: str | None = None

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


def delete_record(record, *, user) -> None:
    """Delete ``record`` the way its model declares."""
    service = writes_of(type(record)).delete_service
    if service is not None:
        service(record, user=user)
    else:
        record.delete()
