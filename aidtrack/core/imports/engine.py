"""Running an import: every row through the form's fields, the model's rules and its services.

A check and a commit are the same run; a check rolls back at the end
(writing no history rows on the way: ``audit.rehearse``). So the preview
knows everything the commit would meet — a field's rule, a model's
``clean()``, a service's totals (a disbursement above what is committed, a
pairing-year over its allocations), the database's constraints, the scope —
and the commit, run again on the stored file, finds what changed since.

The sheet is read in batches of ``BATCH_ROWS``:

1. each cell is read as people write it (``values``) and cleaned by the
   form's own field for the user (scoped choices, validators) — in a
   thread, a batch ahead, while the database stores the batch before
   (``ahead``): no query here;
2. references are found for the whole batch at once, among the form field's
   choices (``import_lookups`` of the referenced model);
3. the records the rows' keys name are read at once; a row equal to its
   record is unchanged, one that differs changes it (before → after), any
   other row is new;
4. each new or changed record runs the model's ``clean()``; the batch is
   saved through ``save_records`` (a service for many where the model has
   one) inside the run's transaction, so the next batch sees it (a
   commitment in row 10 lets row 5,000's disbursement through);
5. the saved rows are checked against the user's scope, in one query.

Announcements of changed figures are gathered and made once, and the change
records carry the source ``import`` with the job, by the caller.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from aidtrack.core import audit, natural_keys, scoping, summaries
from aidtrack.core.forms import OUT_OF_SCOPE_MESSAGE
from aidtrack.core.imports import values
from aidtrack.core.imports.ahead import read_ahead
from aidtrack.core.imports.reading import FileRefused, Formula
from aidtrack.core.imports.spec import (
    AMOUNT,
    BOOLEAN,
    CHOICE,
    DATE,
    DECIMAL,
    INTEGER,
    REFERENCE,
    ImportPlan,
    header_key,
)
from aidtrack.core.writes import RecordErrors, save_records, writes_of

BATCH_ROWS = 5000
# Cells remembered per column: a sheet repeats its kinds, dates and notes on row
# after row, and reading a cell through its form field is most of a row's cost.
# A column of distinct values (amounts, vouchers) stops being remembered here.
REMEMBERED_CELLS = 2000
# Errors and changes kept for the preview; the counts are always complete.
KEPT_ERRORS = 10_000
KEPT_CHANGES = 500

NEW, CHANGED, UNCHANGED, INVALID = "new", "changed", "unchanged", "invalid"


class Cancelled(Exception):
    """The user cancelled the import while it ran."""


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Outcome:
    """What a run found: the counts, the errors (row, column, message), the changes."""

    counts: dict = field(
        default_factory=lambda: dict.fromkeys((NEW, CHANGED, UNCHANGED, INVALID), 0)
    )
    errors: list = field(default_factory=list)
    error_count: int = 0
    changes: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)
    # Counts of the companion records the rows carried (a roster's deployments).
    companion_counts: dict = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def refuse(self, row: int, column: str, message) -> None:
        self.error_count += 1
        if len(self.errors) < KEPT_ERRORS:
            self.errors.append(RowError(row, column, str(message)))

    def as_dict(self) -> dict:
        return {
            "counts": self.counts,
            "errors": [error.as_dict() for error in self.errors],
            "error_count": self.error_count,
            "changes": self.changes,
            "ignored_columns": self.ignored_columns,
            "companion_counts": self.companion_counts,
        }


@dataclass
class _Row:
    number: int
    cleaned: dict
    record: object = None
    status: str = NEW
    errors: dict = field(default_factory=dict)  # column header → messages


_ARROWS = re.compile(r"->|=>|—>|⇒|→")


@functools.lru_cache(maxsize=8192, typed=True)  # a sheet names the same project on many rows
def _compact(text) -> str:
    """A name as compared with a sheet's: full-width folded, no spaces, arrows alike, any case."""
    text = _ARROWS.sub("→", unicodedata.normalize("NFKC", str(text)))
    return re.sub(r"[\s›]+", "", text).casefold()


class Run:
    """One pass over a sheet for one user and one model; ``check`` or ``commit`` it."""

    def __init__(self, views, user, *, progress=None, cancelled=None, given=()):
        self.plan = ImportPlan(views, user)
        # Fields filled by the row's main record, not read from the sheet (a companion's link).
        self.given = given
        self.model = self.plan.model
        self.user = user
        self.progress = progress or (lambda phase, done: None)
        self.cancelled = cancelled or (lambda: False)
        self.outcome = Outcome()
        self._found: dict[str, dict] = {}  # column → cell key → record or an error message
        self._read: dict[str, dict] = {}  # column → (type, cell) → cleaned value or its error
        self._seen_keys: dict = {}  # key → first row number
        self._headers = {column.name: column.header for column in self.plan.columns}
        self._many = writes_of(self.model).save_many is not None
        self._concrete_fields = self.model._meta.concrete_fields
        self._concrete_fields_by_name = {field.name: field for field in self._concrete_fields}
        self.companion = None
        if self.plan.spec.companion:
            path, link = self.plan.spec.companion
            self.companion = Run(import_string(path), user, given=(link,))
            self.companion_positions = None

    # -- the two ways to run ------------------------------------------------------------
    def check(self, sheet) -> Outcome:
        """Everything a commit would do but the history it writes, rolled back."""
        with audit.rehearse(), summaries.gathered():
            self._run(sheet)
        return self.outcome

    def commit(self, sheet) -> Outcome:
        """All rows or none: any error rolls the whole sheet back."""
        with transaction.atomic():
            with summaries.gathered():  # announced once, inside the transaction
                self._run(sheet)
            if not self.outcome.ok:
                transaction.set_rollback(True)
        return self.outcome

    # -- the run --------------------------------------------------------------------------
    def _run(self, sheet) -> None:
        positions = self._positions(sheet.header)
        done = 0
        with read_ahead(lambda pace: self._read_batches(sheet, positions, pace)) as batches:
            for batch, rows in batches:
                done += self._batch(batch, rows, positions)
                self.progress("rows", done)
                if self.cancelled():
                    raise Cancelled
        if done == 0:
            raise FileRefused(_("The sheet has a header but no rows to import."))

    def _read_batches(self, sheet, positions, pace):
        """Step 1 for each batch: its (number, cells) and its rows, their cells read.

        ``pace()`` between rows lets the import's own work run alone (``ahead``).
        """
        batch, rows = [], []
        for number, cells in sheet.rows():
            pace()
            batch.append((number, cells))
            rows.append(self._clean_row(number, cells, positions))
            if len(batch) >= BATCH_ROWS:
                yield batch, rows
                batch, rows = [], []
        if batch:
            yield batch, rows

    def _positions(self, header: list[str]) -> dict:
        """Column name → (position in the sheet, unit of an amount); refuses a sheet missing one."""
        by_key = {}
        if self.companion is not None:
            self.companion_positions = self.companion._companion_positions(header)
        for position, text in enumerate(header):
            if text:
                by_key.setdefault(header_key(text), position)
        positions, used = {}, set()
        for column in self.plan.columns:
            if column.name in self.given:
                continue
            for accepted, unit in column.accepted.items():
                if accepted in by_key:
                    positions[column.name] = (by_key[accepted], unit)
                    used.add(by_key[accepted])
                    break
        missing = [
            c.header
            for c in self.plan.columns
            if c.required and c.name not in positions and c.name not in self.given
        ]
        if missing:
            raise FileRefused(
                _(
                    "The sheet lacks the column(s) %(columns)s. Start from the template: "
                    "its first row holds the headers."
                )
                % {"columns": "、".join(missing)}
            )
        if self.companion is not None and self.companion_positions:
            used.update(position for position, _unit in self.companion_positions.values())
        self.outcome.ignored_columns = [t for i, t in enumerate(header) if t and i not in used]
        self._headers.update(
            {name: header[position] for name, (position, _unit) in positions.items()}
        )
        return positions

    def _companion_positions(self, header: list[str]) -> dict | None:
        """This companion's columns in a main sheet; None when the sheet carries none of them."""
        keys = {header_key(text) for text in header if text}
        own = [
            column
            for column in self.plan.columns
            if column.name not in self.given and keys & column.accepted.keys()
        ]
        return self._positions(header) if own else None

    def _batch(self, batch, rows, positions) -> int:
        rows = self._checked(rows, positions)
        if self.companion is not None and self.companion_positions:
            self._companion_batch(rows, batch)
        for row in rows:
            if row.errors:
                self.outcome.counts[INVALID] += 1
                for column, messages in row.errors.items():
                    for message in messages:
                        self.outcome.refuse(row.number, column, message)
            else:
                self.outcome.counts[row.status] += 1
        return len(rows)

    def _checked(self, rows, positions) -> list:
        """Steps 2–5 for rows whose cells are read."""
        self._resolve_references(rows, positions)
        self._match_existing(rows)
        self._apply(rows)
        self._save([row for row in rows if row.status in (NEW, CHANGED) and not row.errors])
        return rows

    def _companion_batch(self, rows, batch) -> None:
        """The companion records of the batch's rows, linked to the rows' records."""
        companion, (link,) = self.companion, self.companion.given
        positions = self.companion_positions
        paired = []
        for row, (number, cells) in zip(rows, batch, strict=True):
            if row.errors or all(
                cells[position] in (None, "") for position, _unit in positions.values()
            ):
                continue  # a row in error, or one without its companion's cells
            other = companion._clean_row(number, cells, positions)
            other.cleaned[link] = row.record
            paired.append((row, other))
        companion._checked([other for _row, other in paired], positions)
        for row, other in paired:
            for column, messages in other.errors.items():
                row.errors.setdefault(column, []).extend(messages)
            if not other.errors:
                companion.outcome.counts[other.status] += 1
        self.outcome.companion_counts = companion.outcome.counts

    # -- 1. cells ------------------------------------------------------------------------
    def _clean_row(self, number: int, cells: list, positions) -> _Row:
        row = _Row(number, {})
        for column in self.plan.columns:
            if column.name not in positions:
                continue
            position, unit = positions[column.name]
            cell = cells[position] if position < len(cells) else None
            if column.kind == REFERENCE:
                row.cleaned[column.name] = cell  # found in bulk below
                continue
            value, messages = self._read_cell(column, cell, unit)
            if messages:
                row.errors.setdefault(self._header(column.name), []).extend(messages)
            else:
                row.cleaned[column.name] = value
        return row

    def _read_cell(self, column, cell, unit) -> tuple[object, list[str]]:
        """A cell's cleaned value, or its error messages; the same cell is read once per column."""
        read = self._read.setdefault(column.name, {})
        key = (type(cell), cell)
        if key in read:
            return read[key]
        try:
            found = (self._clean_cell(column, cell, unit), [])
        except (ValueError, ValidationError) as error:
            found = (None, _messages(error))
        if len(read) < REMEMBERED_CELLS:
            read[key] = found
        return found

    def _clean_cell(self, column, cell, unit):
        if isinstance(cell, Formula):
            raise ValueError(_("A formula is not imported; enter its value."))
        kind = column.kind
        if kind == DATE:
            value = values.parse_date(cell)
        elif kind == AMOUNT:
            value = values.parse_amount(cell, unit=unit)
        elif kind == INTEGER:
            value = values.parse_integer(cell)
        elif kind == DECIMAL:
            value = values.parse_decimal(cell)
        elif kind == BOOLEAN:
            value = values.parse_boolean(cell)
        elif kind == CHOICE:
            value = values.match_choice(cell, column.form_field.choices)
        elif column.is_code:
            value = values.normalise_code(cell)
        else:
            value = values.clean_text(cell)
        if value is None and not column.required and kind in (DATE, INTEGER, DECIMAL, AMOUNT):
            return None
        return column.form_field.clean("" if value is None else value)

    # -- 2. references ---------------------------------------------------------------------
    def _resolve_references(self, rows, positions) -> None:
        for column in self.plan.columns:
            if column.kind != REFERENCE or column.name not in positions:
                continue
            found = self._found.setdefault(column.name, {})
            wanted = {
                _compact(value)
                for row in rows
                if (value := row.cleaned.get(column.name)) not in (None, "")
                and not isinstance(value, Formula)
            } - found.keys()
            if wanted:
                found.update(_find(column.form_field.queryset, wanted))
            for row in rows:
                cell = row.cleaned.get(column.name)
                if isinstance(cell, Formula):
                    row.errors.setdefault(self._header(column.name), []).append(
                        _("A formula is not imported; enter its value.")
                    )
                    continue
                if cell is None or (isinstance(cell, str) and not cell.strip()):
                    row.cleaned[column.name] = None
                    if column.required:
                        row.errors.setdefault(self._header(column.name), []).append(
                            str(forms.Field.default_error_messages["required"])
                        )
                    continue
                match = found.get(_compact(cell))
                if isinstance(match, str) or match is None:
                    row.errors.setdefault(self._header(column.name), []).append(
                        match
                        or _("“%(value)s” is not among the records you may choose here.")
                        % {"value": values.clean_text(cell)}
                    )
                else:
                    row.cleaned[column.name] = match

    # -- 3. existing records -----------------------------------------------------------------
    def _key_fields(self, row: _Row) -> tuple[str, ...]:
        """The declared key, or the whole row where the row leaves part of the key blank."""
        spec = self.plan.spec
        if spec.key and not any(
            _blank(row.cleaned.get(name)) for name in spec.key if name not in spec.key_blanks
        ):
            return spec.key
        return tuple(row.cleaned)

    def _key_of(self, row: _Row, fields) -> tuple:
        return (fields, *(_comparable(row.cleaned.get(name)) for name in fields))

    def _match_existing(self, rows) -> None:
        by_fields: dict[tuple, list] = {}
        for row in rows:
            if row.errors:
                continue
            fields = self._key_fields(row)
            row_key = self._key_of(row, fields)
            first = self._seen_keys.setdefault(row_key, row.number)
            if first != row.number:
                row.errors.setdefault(_row_column(), []).append(
                    _("This row repeats row %(row)s.") % {"row": first}
                )
            else:
                by_fields.setdefault(fields, {})[row_key] = row
        for fields, candidates in by_fields.items():
            existing = self._existing(fields, candidates.values())
            for row_key, record in existing.items():
                if row_key in candidates:
                    self._compare(candidates[row_key], record)

    def _existing(self, fields, rows) -> dict:
        """Key → record, for the records in the user's sight the rows' keys name (one query)."""
        queryset = self.model.objects.for_user(self.user, scoping.VIEW)
        keys = {tuple(_column_value(row.cleaned.get(name)) for name in fields) for row in rows}
        if not any(None in key for key in keys):
            queryset = natural_keys.holding(self._keyed(queryset, fields), fields, keys)
        else:
            queryset = self._blanks_allowed(queryset, fields, rows)
        found = {}
        for record in queryset:
            key = (fields, *(_comparable(_stored(record, name)) for name in fields))
            found.setdefault(key, record)
        return found

    def _keyed(self, queryset, fields):
        """Only the records a natural key's constraint covers, when ``fields`` are that key.

        Its partial index answers (a voucher is a key unless blank or a reversal's).
        """
        for constraint in natural_keys.constraints_of(self.model):
            if frozenset(constraint.fields) == frozenset(fields) and constraint.condition:
                return queryset.filter(constraint.condition)
        return queryset

    def _blanks_allowed(self, queryset, fields, rows):
        """The records of keys some of whose fields are blank: each field among its values."""
        for name in fields:
            present = {row.cleaned.get(name) for row in rows}
            condition = Q(**{f"{name}__in": [v for v in present if v not in (None, "")]})
            if None in present or "" in present:
                blank = Q(**{f"{name}__isnull": True})
                if _is_text(self.model, name):
                    blank |= Q(**{name: ""})
                condition |= blank
            queryset = queryset.filter(condition)
        return queryset

    def _compare(self, row: _Row, record) -> None:
        row.record = record
        changed = [
            name
            for name, value in row.cleaned.items()
            if _comparable(_stored(record, name)) != _comparable(value)
        ]
        if not changed:
            row.status = UNCHANGED
            return
        refusal = None
        if not self.plan.spec.updates:
            refusal = _(
                "A record with this key exists with other values; such records are never changed."
            )
        elif hasattr(record, "locked_reason"):
            refusal = record.locked_reason(self.user)
        if refusal:
            row.errors.setdefault(_row_column(), []).append(str(refusal))
            return
        row.status = CHANGED
        if len(self.outcome.changes) < KEPT_CHANGES:
            self.outcome.changes.append(
                {
                    "row": row.number,
                    "record": str(record),
                    "fields": [
                        {
                            "column": self._header(name),
                            "before": _shown(getattr(record, name)),
                            "after": _shown(row.cleaned[name]),
                        }
                        for name in changed
                    ],
                }
            )

    # -- 4. the model's rules and the save ------------------------------------------------------
    def _apply(self, rows) -> None:
        # References were found among the form's choices: their existence is known, and
        # a foreign key's own check would cost a query per row.
        checked = [column.name for column in self.plan.columns if column.kind != REFERENCE]
        excluded = [f.name for f in self.model._meta.fields if f.name not in checked]
        for row in rows:
            if row.errors or row.status == UNCHANGED:
                continue
            if row.record is None:
                row.record = self._new_record(row.cleaned)
            else:
                for name, value in row.cleaned.items():
                    setattr(row.record, name, value)
            record = row.record
            if self._many:
                continue  # a service for many checks each record's own rules (core.writes)
            try:
                # Constraints and uniqueness are checked where the batch is saved.
                record.full_clean(
                    exclude=excluded, validate_unique=False, validate_constraints=False
                )
            except ValidationError as error:
                self._refuse_row(row, error)

    def _new_record(self, cleaned: dict):
        """A new record of the row's values, built as Django builds one it reads: every
        column in order, the references' records put in the relation's cache (a third
        of the cost of setting the fields one by one), so reading them costs no query."""
        columns = []
        for model_field in self._concrete_fields:
            name = model_field.name
            value = cleaned[name] if name in cleaned else model_field.get_default()
            if hasattr(value, "_meta"):  # a referenced record: the column holds its key
                value = getattr(value, model_field.target_field.attname)
            columns.append(value)
        record = self.model(*columns)
        for name, value in cleaned.items():
            if name not in self._concrete_fields_by_name:
                setattr(record, name, value)  # not a column: the model's own setter
            elif hasattr(value, "_meta"):
                self._concrete_fields_by_name[name].set_cached_value(record, value)
        return record

    def _save(self, rows) -> None:
        if not rows:
            return
        records = [row.record for row in rows]
        if not self._many:
            self._check_database_rules(rows)
            rows = [row for row in rows if not row.errors]
            records = [row.record for row in rows]
        try:
            saved = save_records(records, user=self.user)
        except RecordErrors as refused:
            for index, error in refused.errors.items():
                self._refuse_row(rows[index], error)
            # The others are saved, so later rows are checked against them as a commit would.
            rows = [row for row in rows if not row.errors]
            saved = save_records([row.record for row in rows], user=self.user) if rows else []
        self._check_scope(rows, saved)

    def _check_database_rules(self, rows) -> None:
        """Uniqueness and constraints, row by row (a model without a service for many)."""
        for row in rows:
            try:
                row.record.validate_unique()
                row.record.validate_constraints()
            except ValidationError as error:
                self._refuse_row(row, error)

    def _check_scope(self, rows, saved) -> None:
        action = scoping.CHANGE
        allowed = set(
            self.model.objects.for_user(self.user, action)
            .filter(pk__any_id=[record.pk for record in saved])
            .values_list("pk", flat=True)
        )
        for row, record in zip(rows, saved, strict=True):
            if record.pk not in allowed:
                row.errors.setdefault(_row_column(), []).append(str(OUT_OF_SCOPE_MESSAGE))

    # -- errors ---------------------------------------------------------------------------------
    def _header(self, name: str) -> str:
        """A column as the sheet names it (金额（万元）), for the errors and changes shown."""
        return self._headers.get(name) or _row_column()

    def _refuse_row(self, row: _Row, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                column = _row_column() if name == NON_FIELD_ERRORS else self._header(name)
                for item in errors:
                    row.errors.setdefault(column, []).extend(_messages(item))
        else:
            row.errors.setdefault(_row_column(), []).extend(_messages(error))


def _row_column() -> str:
    """The column named for an error of the whole row."""
    return _("(row)")


def _messages(error) -> list[str]:
    if isinstance(error, ValidationError):
        return [str(message) for message in error.messages]
    return [str(error)]


def _stored(record, name: str):
    """A field's stored value, comparable with a cleaned cell; a reference without a query."""
    model_field = record._meta.get_field(name)
    if model_field.is_relation:
        pk = getattr(record, model_field.attname)
        return None if pk is None else (model_field.related_model._meta.label_lower, pk)
    return getattr(record, name)


def _blank(value) -> bool:
    """None or an empty text; a record is never compared (its ``__eq__`` costs a row's time)."""
    return value is None or (type(value) is str and not value)


def _is_text(model, name: str) -> bool:
    return model._meta.get_field(name).get_internal_type() in (
        "CharField",
        "TextField",
        "SlugField",
    )


def _comparable(value):
    """Values compared across the sheet and the database: records by id, amounts by value."""
    if hasattr(value, "_meta"):  # a record found for a reference cell
        return (value._meta.label_lower, value.pk)
    if isinstance(value, Decimal):
        return value.normalize()
    if value == "":
        return None
    return value


def _column_value(value):
    """A cleaned cell as its column stores it (a record by its id); None when blank."""
    if hasattr(value, "_meta"):
        return value.pk
    return None if value == "" else value


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    return str(value)


def _find(queryset, wanted: set[str]) -> dict:
    """Cell key → record (or a message when several records answer to it) among ``queryset``."""
    model = queryset.model
    lookups = getattr(model, "import_lookups", ("__str__",))
    by_field = [name for name in lookups if name != "__str__"]
    found: dict = {}

    def add(name_value, record):
        cell_key = _compact(name_value)
        if cell_key not in wanted or not name_value:
            return
        known = found.get(cell_key)
        if known is None:
            found[cell_key] = record
        elif not isinstance(known, str) and known.pk != record.pk:
            found[cell_key] = _("Several records answer to “%(value)s”; give its code instead.") % {
                "value": name_value
            }

    if by_field:
        if hasattr(model, "import_candidates"):
            candidates = model.import_candidates(queryset, wanted)
        else:
            condition = Q()
            for name in by_field:
                condition |= Q(**{f"{name}__in": _spellings(wanted)})
            candidates = queryset.filter(condition)
        for record in candidates:
            for name in by_field:
                add(getattr(record, name), record)
    if "__str__" in lookups:
        for record in queryset:
            add(str(record), record)
    return found


def _spellings(wanted: set[str]) -> list[str]:
    """The values as a database comparison may meet them (codes are stored in upper case)."""
    spellings = set(wanted)
    spellings.update(value.upper() for value in wanted)
    return list(spellings)
