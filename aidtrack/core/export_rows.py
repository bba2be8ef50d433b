"""Export rows read as column values, not model instances.

An export of 100,000 rows spent most of its time building a model instance
per row (and the related ones attached to it), then reading one attribute of
each per cell. Here a list's rows are read with ``values_list`` of exactly the
columns its cells show, a chunk at a time, and each cell is made column by
column over the chunk:

- a column (or a chain of foreign keys to one) is read as stored;
- a choice column shows its label (``tables.choice_labels``), a related
  record its ``str()``: both through a table per column, filled once per
  distinct value (the related records of a chunk in one query, their ids one
  array parameter: as the columns their ``str()`` is written from where the
  model names them, ``str_columns`` and ``str_of``, else as instances with the
  table's ``select_related`` below them so ``__str__`` does not query), so a
  value seen again costs a dictionary lookup;
- a property declared with ``Column(reads=…)`` is read from a bare instance
  carrying only those fields (``Person.masked_phone`` from ``phone``), so the
  rule stays in the model;
- an annotation of the list's queryset is read like a column.

``cell_chunks(table, queryset, cell)`` gives the rows, chunk by chunk, as
tuples of ``cell(value)``, where ``value`` is what ``Column.reader()`` gives
for the row's instance: the same cells as before, byte for byte
(tests/demo/test_export_rows.py compares both ways over every list). It is
``None`` when a column needs the instance (a property without ``reads``,
a method, a file, a relation reached through a reverse or many-to-many
link): that list reads instances as before (core.exports).
"""

from itertools import islice
from operator import attrgetter, itemgetter

from django.core.exceptions import FieldDoesNotExist
from django.db.models.query_utils import DeferredAttribute

from aidtrack.core.tables import choice_labels

# Rows fetched from the database at a time.
CHUNK_SIZE = 2000
# Distinct values kept per column (a related record's text, a label, a date);
# past this many the table starts again, so a long download's memory stays flat.
MEMO_SIZE = 50_000


def cell_chunks(table, queryset, cell):
    """Lists of row tuples of ``cell(value)`` per column, or None (see the module)."""
    plan = _plan(table, queryset)
    if plan is None:
        return None
    return _chunks(queryset, plan, cell)


# -- the plan: what each column reads ---------------------------------------------------


class _Plain:
    """A stored value (through foreign keys), a choice label, an annotation."""

    def __init__(self, lookup, labels=None, formatter=None, memo=False):
        self.lookups = [lookup]
        self.labels, self.formatter, self.memo = labels, formatter, memo


class _Related:
    """A related record, shown as its ``str()``: read by id, fetched per chunk."""

    def __init__(self, lookup, model, paths):
        self.lookups = [lookup]
        self.model, self.paths = model, tuple(paths)


class _Property:
    """A property of the row's model, read from a bare instance with the fields it reads."""

    def __init__(self, model, column, fields):
        self.lookups = [field.name for field in fields]
        self.attnames = [field.attname for field in fields]
        self.read = column.reader()
        if not hasattr(model, f"get_{column.accessor}_display") and column.formatter is None:
            self.read = attrgetter(column.accessor)  # (what the reader does, in one call)


def _plan(table, queryset):
    model = queryset.model
    annotations = queryset.query.annotations
    columns = []
    for column in table.columns:
        step = _column_step(column, model, annotations, table.select_related)
        if step is None:
            return None
        columns.append(step)
    return columns


def _column_step(column, model, annotations, select_related):  # noqa: PLR0911
    if column.reads:
        fields = [_concrete(model, name) for name in column.reads]
        if "__" in column.accessor or any(
            field is None or field.is_relation or not _plain_descriptor(field) for field in fields
        ):
            return None
        return _Property(model, column, fields)
    names = column.accessor.split("__")
    if len(names) == 1 and names[0] in annotations:
        return _Plain(names[0], formatter=column.formatter)
    path = []
    for position, name in enumerate(names):
        field = _concrete(model, name)
        if field is None or field.name != name:
            return None  # a property, method, reverse or many-to-many link, or an attname
        last = position == len(names) - 1
        path.append(name)
        if field.is_relation:
            if field.target_field != field.related_model._meta.pk:
                return None  # a link to another column than the id
            if last:
                if column.formatter is not None:
                    return None  # (the formatter would be given the record)
                lookup = "__".join(path)
                below = [
                    p.removeprefix(lookup + "__")
                    for p in select_related
                    if p.startswith(lookup + "__")
                ]
                return _Related(lookup, field.related_model, below)
            model = field.related_model
            continue
        if not last or not _plain_descriptor(field):
            return None  # (past a choice field Column reads a label's attribute)
        labels = choice_labels(field) if field.choices else None
        memo = labels is not None or field.get_internal_type() in ("DateField", "BooleanField")
        return _Plain("__".join(path), labels, column.formatter, memo)
    return None


def _concrete(model, name):
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if field.concrete else None


def _plain_descriptor(field) -> bool:
    """Whether the instance's attribute is the stored value (a file's is not)."""
    return field.descriptor_class is DeferredAttribute


# -- reading -------------------------------------------------------------------------------


class _Memo(dict):
    """``memo[value]`` is ``make(value)``, made once (until the memo is full)."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        if len(self) >= MEMO_SIZE:
            self.clear()
        made = self[key] = self.make(key)
        return made


def _chunks(queryset, plan, cell):
    lookups = ["pk"]
    for step in plan:
        lookups += step.lookups
    lookups = list(dict.fromkeys(lookups))
    position = {lookup: index for index, lookup in enumerate(lookups)}
    makers, related, properties = [], {}, {}
    for step in plan:
        if isinstance(step, _Related):
            key = (step.model, step.paths)
            related.setdefault(key, _RelatedCells(step.model, step.paths, cell))
            makers.append(_related_maker(position[step.lookups[0]], related[key]))
        elif isinstance(step, _Property):
            properties.update(zip(step.attnames, step.lookups, strict=True))
            makers.append(_property_maker(step, cell))
        else:
            makers.append(_plain_maker(position[step.lookups[0]], step, cell))
    bare = _bare_instances(queryset.model, properties, position) if properties else None
    rows = queryset.prefetch_related(None).values_list(*lookups).iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(islice(rows, CHUNK_SIZE)):
        instances = None if bare is None else bare(chunk)
        yield list(zip(*(make(chunk, instances) for make in makers), strict=True))


def _plain_maker(index, step, cell):
    read = itemgetter(index)
    labels, formatter = step.labels, step.formatter

    def convert(raw):
        value = raw if labels is None else labels.get(raw, raw)
        if formatter is not None and value is not None:
            value = formatter(value)
        return cell(value)

    if step.memo:
        memo = _Memo(convert)
        return lambda chunk, _instances: list(map(memo.__getitem__, map(read, chunk)))
    return lambda chunk, _instances: list(map(convert, map(read, chunk)))


class _RelatedCells(dict):
    """``{id: cell(str(record))}`` of one related model, filled a chunk at a time."""

    def __init__(self, model, paths, cell):
        super().__init__()
        self.model, self.paths, self.cell = model, paths, cell
        self[None] = cell(None)

    def fill(self, ids) -> None:
        missing = set(ids) - self.keys()
        if not missing:
            return
        if len(self) + len(missing) > MEMO_SIZE:
            self.clear()
            self[None] = self.cell(None)
            missing = set(ids)
            missing.discard(None)
        # The ids as one array parameter: 2,000 placeholders cost more to write than to run.
        records = self.model._base_manager.filter(pk__any_id=missing)
        str_columns = getattr(self.model, "str_columns", None)
        if str_columns:  # str() written from columns: read as values, no instance built
            str_of = self.model.str_of
            for key, *columns in records.values_list("pk", *str_columns):
                self[key] = self.cell(str_of(*columns))
            return
        if self.paths:  # (select_related() without paths would follow every relation)
            records = records.select_related(*self.paths)
        for record in records:
            self[record.pk] = self.cell(record)


def _related_maker(index, cells):
    read = itemgetter(index)

    def make(chunk, _instances):
        ids = list(map(read, chunk))
        cells.fill(ids)
        return list(map(cells.__getitem__, ids))

    return make


def _bare_instances(model, attnames, position):
    """The chunk's rows as bare instances (no ``__init__``): the id and the declared fields.

    One instance per row serves every property column. A property reading a
    field no column declared fails loudly (the instance has no state to load
    it with) instead of querying per row.
    """
    names = [model._meta.pk.attname, *attnames]
    read = itemgetter(0, *(position[lookup] for lookup in attnames.values()))
    new = model.__new__

    def make(chunk):
        instances = []
        for row in chunk:
            instance = new(model)
            instance.__dict__.update(zip(names, read(row), strict=True))
            instances.append(instance)
        return instances

    return make


def _property_maker(step, cell):
    read = step.read
    return lambda _chunk, instances: list(map(cell, map(read, instances)))
