"""Turns trigger-written change records into what the History tab shows."""

from dataclasses import dataclass
from typing import Any

from aidtrack.core.models import ChangeRecord

# Bookkeeping columns every record has; showing them adds nothing.
_HIDDEN_COLUMNS = {"id", "created_at", "updated_at", "created_by_id", "updated_by_id"}


@dataclass
class FieldChange:
    label: str
    old: Any
    new: Any


class _ValueDescriber:
    """Shows choices by label and foreign keys by name, fetching each referenced row once."""

    def __init__(self, model):
        self.fields = {field.column: field for field in model._meta.concrete_fields}
        self._related: dict[tuple[type, Any], str] = {}

    def label(self, column: str) -> str:
        field = self.fields.get(column)
        return str(field.verbose_name) if field is not None else column

    def value(self, column: str, raw):
        field = self.fields.get(column)
        if raw is None or field is None:
            return raw
        if field.choices:
            return dict(field.flatchoices).get(raw, raw)
        if field.is_relation:
            key = (field.related_model, raw)
            if key not in self._related:
                related = field.related_model._default_manager.filter(pk=raw).first()
                self._related[key] = str(related) if related is not None else f"#{raw}"
            return self._related[key]
        return raw


def history_records(obj):
    return ChangeRecord.objects.for_object(obj).select_related("actor")


def describe_changes(model, records) -> None:
    """Attach ``field_changes`` to each record of one page of history."""
    describer = _ValueDescriber(model)
    for record in records:
        changes = []
        # In the model's field order, as on the edit form.
        columns = [c for c in describer.fields if c in record.changes and c not in _HIDDEN_COLUMNS]
        for column in columns:
            value = record.changes[column]
            if record.action == ChangeRecord.Action.UPDATE:
                # Redacted columns hold a marker instead of [old, new].
                old, new = value if isinstance(value, list) else (value, value)
            elif record.action == ChangeRecord.Action.CREATE:
                old, new = None, value
            else:
                old, new = value, None
            changes.append(
                FieldChange(
                    describer.label(column),
                    describer.value(column, old),
                    describer.value(column, new),
                )
            )
        record.field_changes = changes
