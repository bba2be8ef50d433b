"""A serializer compiled into one function per row, for list responses.

DRF turns each row into a dict field by field through generic machinery:
``get_attribute`` walks the source with callable checks, every date-time
looks the current time zone up again, every decimal copies a context, and
each field's call goes through several layers. On a page of 500 rows that
machinery, not the data, is most of the response time.

``row_function(serializer)`` reads the serializer's own bound fields once
and returns ``row(instance) -> dict`` that gives what
``serializer.to_representation(instance)`` gives, key for key. Only the
steps whose behaviour is known exactly are shortened: reading a model
column (or a chain of foreign keys to one) or, for a serializer without a
model, a dict's key (a summary's indicator figures), and the representation of
DRF's plain integer, string, boolean, choice, date, date-time, decimal,
primary-key, slug, JSON and method fields, nested serializers and lists of
them. Anything else, a field class with its own ``to_representation`` or
``get_attribute`` or a source that is a property or method, goes through
the field's own methods, as DRF would call them, unless the field offers
``row_representer()``: a function equal to its ``to_representation`` for
the rows of one response (``DownloadFileField`` builds its URL once).
Nothing lists fields a second time: the serializer's declaration is the
only list.

tests/demo/test_api_rows.py compares both ways over every API resource.
"""

import datetime
import decimal
import functools
import re
from collections.abc import Callable
from operator import attrgetter, itemgetter
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers
from rest_framework.fields import SkipField
from rest_framework.settings import api_settings

ISO_8601 = drf_fields.ISO_8601


def rows_of(list_serializer, data) -> list[dict]:
    """``list_serializer.to_representation(data)``, each row by the compiled function."""
    row = row_function(list_serializer.child)
    return [row(item) for item in _iterable(data)]


class CompiledListSerializer(serializers.ListSerializer):
    """Lists rows through the child's compiled row function: same output as DRF's list."""

    def to_representation(self, data):
        return rows_of(self, data)


def _lists_rows(field) -> bool:
    """A list serializer that gives its child's rows as DRF's own list does.

    A nested one is then compiled once with its parent's row function and
    prefetched into a plain list (``as_listed_prefetch``), not compiled
    again for each parent row.
    """
    return isinstance(field, serializers.ListSerializer) and type(field).to_representation in (
        serializers.ListSerializer.to_representation,
        CompiledListSerializer.to_representation,
    )


def row_function(serializer):
    """``row(instance) -> dict``, equal to ``serializer.to_representation(instance)``."""
    if type(serializer).to_representation is not serializers.Serializer.to_representation:
        return serializer.to_representation  # the serializer decides itself
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    steps = tuple(
        (field.field_name, *_field_step(field, model)) for field in serializer._readable_fields
    )

    def row(instance):
        result = {}
        for name, read, represent in steps:
            try:
                value = read(instance)
            except SkipField:
                continue
            result[name] = None if value is None else represent(value)
        return result

    return row


def class_row_function(serializer_class):
    """``row_function`` of a serializer class, built once per class and time zone (a row
    function writes date-times in the zone it was built in): for rows written one at a
    time (a nested serializer in a method field, a figure the refresh stores), not a new
    serializer, which copies all its fields, for each."""
    return _class_row_function(serializer_class, timezone.get_current_timezone_name())


@functools.cache
def _class_row_function(serializer_class, _time_zone: str):
    return row_function(serializer_class())


def _field_step(field, model):
    """(read, represent) for one field: read(instance) may raise SkipField like DRF's."""
    if _lists_rows(field):
        child = row_function(field.child)
        read = _reader(field, model)
        if len(field.source_attrs) == 1:
            read = _listed_first(field.source_attrs[0], read)
        return read, lambda data: [child(item) for item in _iterable(data)]
    if isinstance(field, serializers.Serializer):
        return _reader(field, model), row_function(field)
    if _is_primary_key(field, model):
        return _primary_key_reader(field, model), _identity
    return _reader(field, model), _representer(field)


LISTED = "_listed_"  # the attribute a list's prefetch fills: _listed_<relation>


def as_listed_prefetch(lookup, serializer_class):
    """A list page's prefetch of a nested list: into a plain list (``Prefetch(to_attr=…)``).

    Django's own prefetch makes a queryset per parent row to hold its cache,
    which on a page of 500 costs more than the query; a list attribute
    holds the same rows in the same order. Only a one-level lookup that a
    declared nested list serializer reads is changed: other readers of the
    relation (a primary-key list, a method) would not see the list. A
    ``Prefetch`` of one level keeps its queryset (the related rows' own
    ``select_related``).
    """
    relation = getattr(lookup, "prefetch_through", lookup)
    if not isinstance(relation, str) or "__" in relation or getattr(lookup, "to_attr", None):
        return lookup
    declared = serializer_class._declared_fields
    if not any(
        _lists_rows(field) and (field.source or name) == relation
        for name, field in declared.items()
    ):
        return lookup
    queryset = getattr(lookup, "queryset", None)
    return Prefetch(relation, queryset=queryset, to_attr=LISTED + relation)


def _listed_first(attr, read):
    """The rows a list prefetch put on the instance, else DRF's reading of the relation."""
    name = LISTED + attr

    def read_listed(instance):
        listed = instance.__dict__.get(name)
        return read(instance) if listed is None else listed

    return read_listed


def _iterable(data):
    return data.all() if isinstance(data, models.manager.BaseManager) else data


def _identity(value):
    return value


# -- reading ---------------------------------------------------------------------


def _reader(field, model):
    """Reads the field's source; a chain of model columns is read with one attrgetter."""
    generic = field.get_attribute
    if isinstance(field, relations.RelatedField) and (
        field.use_pk_only_optimization() or not _plain_get_attribute(field)
    ):
        return _pk_only(generic)
    if not _plain_get_attribute(field):
        return generic
    if field.source_attrs == []:  # source="*": the instance itself
        return _identity
    if model is None and len(field.source_attrs) == 1:
        return _key_reader(field.source_attrs[0], generic)
    if not _is_column_chain(model, field.source_attrs):
        return generic  # a property or method: DRF's callable check applies
    fast = attrgetter(".".join(field.source_attrs))

    def read(instance):
        try:
            return fast(instance)
        except Exception:  # noqa: BLE001 - a missing link (None) is DRF's to handle, as it would
            return generic(instance)

    return read


def _key_reader(key, generic):
    """A model-less serializer's field over a plain dict (a summary's indicator figure):
    the key's value, as DRF's reading gives it unless the key is missing or the value
    is callable (DRF would call it), which are DRF's to handle."""

    def read(instance):
        if type(instance) is dict:
            value = instance.get(key, _MISSING)
            if value is not _MISSING and not callable(value):
                return value
        return generic(instance)

    return read


_MISSING = object()


def _pk_only(generic):
    """DRF's related-field reading, whose id-only answer counts as None when the id is."""

    def read(instance):
        value = generic(instance)
        return None if type(value) is relations.PKOnlyObject and value.pk is None else value

    return read


def _plain_get_attribute(field) -> bool:
    method = type(field).get_attribute
    if isinstance(field, relations.ManyRelatedField):
        return False
    if isinstance(field, relations.RelatedField):
        return method is relations.RelatedField.get_attribute
    return method is drf_fields.Field.get_attribute


def _is_column_chain(model, attrs) -> bool:
    """Whether each name is a concrete field (or its attname) along foreign keys of ``model``."""
    for position, attr in enumerate(attrs):
        if model is None:
            return False
        field = _concrete_field(model, attr)
        if field is None:
            return False
        if position < len(attrs) - 1:
            if not _foreign_key(model, attr) or attr == field.attname != field.name:
                return False
            model = field.related_model
    return True


def _concrete_field(model, attr):
    try:
        field = model._meta.get_field(attr)
    except FieldDoesNotExist:
        field = next((f for f in model._meta.concrete_fields if f.attname == attr), None)
    if field is None or not getattr(field, "concrete", False):
        return None
    return field


def _is_primary_key(field, model) -> bool:
    """A PrimaryKeyRelatedField over one foreign key: DRF shows the stored id."""
    return (
        type(field).get_attribute is relations.RelatedField.get_attribute
        and type(field).to_representation is relations.PrimaryKeyRelatedField.to_representation
        and field.use_pk_only_optimization()
        and field.pk_field is None
        and len(field.source_attrs) == 1
        and model is not None
        and _foreign_key(model, field.source_attrs[0]) is not None
    )


def _foreign_key(model, name):
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if field.concrete and (field.many_to_one or field.one_to_one) else None


def _primary_key_reader(field, model):
    # RelatedField.get_attribute: instance.serializable_value(name), i.e. the attname.
    return attrgetter(_foreign_key(model, field.source_attrs[0]).attname)


# -- representing ----------------------------------------------------------------------


def _overrides(field, base) -> bool:
    return type(field).to_representation is not base.to_representation


def _representer(field):
    # A field class of our own may give its representation for one response's rows.
    if hasattr(field, "row_representer"):
        return field.row_representer()
    if isinstance(field, drf_fields.SerializerMethodField) and not _overrides(
        field, drf_fields.SerializerMethodField
    ):
        return getattr(field.parent, field.method_name)
    return _value_representer(field) or field.to_representation


def _value_representer(field):  # noqa: PLR0911 - one return per known field class
    """The representation of a known field class, a function of the value alone; else None.

    A field class of our own says it is one with ``value_representer()``.
    """
    if hasattr(field, "value_representer"):
        return field.value_representer()
    generic = field.to_representation
    if isinstance(field, drf_fields.ChoiceField) and not _overrides(field, drf_fields.ChoiceField):
        return _choice(field)
    if isinstance(field, drf_fields.BigIntegerField) and not _overrides(
        field, drf_fields.BigIntegerField
    ):
        as_string = getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
        return str if as_string else int
    if isinstance(field, drf_fields.IntegerField) and not _overrides(
        field, drf_fields.IntegerField
    ):
        return int
    if isinstance(field, drf_fields.CharField) and not _overrides(field, drf_fields.CharField):
        return str
    if isinstance(field, drf_fields.BooleanField) and not _overrides(
        field, drf_fields.BooleanField
    ):
        return _boolean(generic)
    if isinstance(field, drf_fields.DateTimeField) and not _overrides(
        field, drf_fields.DateTimeField
    ):
        return _date_time(field)
    if isinstance(field, drf_fields.DateField) and not _overrides(field, drf_fields.DateField):
        return _date(field)
    if isinstance(field, drf_fields.DecimalField) and not _overrides(
        field, drf_fields.DecimalField
    ):
        return _decimal(field)
    if isinstance(field, relations.SlugRelatedField) and not _overrides(
        field, relations.SlugRelatedField
    ):
        return attrgetter(field.slug_field.replace("__", "."))
    if isinstance(field, drf_fields.JSONField) and not _overrides(field, drf_fields.JSONField):
        return generic if field.binary else _identity
    if isinstance(field, drf_fields.ReadOnlyField) and not _overrides(
        field, drf_fields.ReadOnlyField
    ):
        return _identity
    return None


def _choice(field):
    generic = field.to_representation
    labels = field.choice_strings_to_values

    def represent(value):
        if type(value) is str:
            return value if value == "" else labels.get(value, value)
        return generic(value)

    return represent


def _boolean(generic):
    def represent(value):
        return value if value is True or value is False else generic(value)

    return represent


def _date_time(field):
    """DateTimeField: in the field's (else the request's current) time zone, ISO with Z."""
    generic = field.to_representation
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if output_format is None or output_format.lower() != ISO_8601:
        return generic
    # Read once per response, as the request's time zone does not change within it.
    zone = (
        field.timezone
        if hasattr(field, "timezone")
        else (timezone.get_current_timezone() if settings.USE_TZ else None)
    )
    if zone is None:
        return generic

    def represent(value):
        if type(value) is not datetime.datetime or value.utcoffset() is None:
            return generic(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return represent


def _date(field):
    generic = field.to_representation
    output_format = getattr(field, "format", api_settings.DATE_FORMAT)
    if output_format is None or output_format.lower() != ISO_8601:
        return generic

    def represent(value):
        return value.isoformat() if type(value) is datetime.date else generic(value)

    return represent


def _decimal(field):
    """DecimalField.to_representation with its quantizing context made once.

    A string already written as the field writes it (``"2327918.79"`` for two
    places: no leading zero, no exponent, within ``max_digits``) is that
    representation: the figures stored as JSON (an assessment's 16 per row)
    come back unchanged, not through a Decimal and back.
    """
    generic = field.to_representation
    coerce_to_string = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    if field.localize or field.decimal_places is None or not coerce_to_string:
        return generic
    context = decimal.getcontext().copy()
    if field.max_digits is not None:
        context.prec = field.max_digits
    exponent = decimal.Decimal(".1") ** field.decimal_places
    rounding, normalize = field.rounding, field.normalize_output
    places = field.decimal_places
    whole = r"-?(?:0|[1-9][0-9]*)"
    written = re.compile(rf"{whole}\.[0-9]{{{places}}}" if places else whole)

    def represent(value):
        if type(value) is str and not normalize:
            if written.fullmatch(value) and len(value.lstrip("-").replace(".", "")) <= context.prec:
                return value
            value = decimal.Decimal(value)
        if type(value) is not decimal.Decimal:
            return generic(value)
        quantized = value.quantize(exponent, rounding=rounding, context=context)
        if normalize:
            quantized = quantized.normalize()
        return f"{quantized:f}"

    return represent


# -- reading columns instead of instances ---------------------------------------------------


class ColumnPlan(NamedTuple):
    lookups: list  # for queryset.values()
    row: Callable  # row(values) -> the serializer's dict
    lists: tuple = ()  # NestedList per nested list field, filled into the page's values


def column_plan(serializer, annotations=()):
    """A ``ColumnPlan`` when every field reads a column: ``row(values_dict) -> dict``.

    Then the page can be read with ``queryset.values(*lookups)``: no model
    instance is built (nor the related ones of ``select_related``), which on
    a page of 500 rows costs as much as the serializing. A nested list over
    a reverse foreign key whose rows are columns too is read the same way,
    one query for the page (``NestedList.fill``), as its prefetch would.
    ``None`` when a field needs the instance (a method field, a property, a
    field class of its own); those lists read instances as before.
    ``annotations`` are the queryset's annotation names, read like columns.
    """
    if type(serializer).to_representation is not serializers.Serializer.to_representation:
        return None
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is None:
        return None
    lookups, steps, lists = [], [], []
    for field in serializer._readable_fields:
        if _lists_rows(field):
            nested = _nested_list(field, model)
            if nested is None:
                return None
            lists.append(nested)
            lookups.append(model._meta.pk.name)
            steps.append((field.field_name, itemgetter(nested.key), _identity))
            continue
        step = _column_step(field, model, annotations)
        if step is None:
            return None
        field_lookups, read, represent = step
        lookups += field_lookups
        steps.append((field.field_name, read, represent))
    return ColumnPlan(list(dict.fromkeys(lookups)), _row_of_values(tuple(steps)), tuple(lists))


class NestedList:
    """A nested list of a reverse foreign key, read as column values for a page at once.

    The rows are those the relation's prefetch reads: the related model's
    default manager and order, filtered to the page's ids, in one query.
    """

    def __init__(self, source, model, link, plan):
        self.source, self.model, self.link = source, model, link
        self.key = LISTED + source  # where each parent's list goes in its values
        self.lookups = list(dict.fromkeys([*plan.lookups, link]))
        self.row = plan.row

    def fill(self, page, pk_name, using):
        """Puts each parent's represented rows into its values, under ``key``.

        ``using``: the database the page came from, where a prefetch reads too.
        """
        ids = [values[pk_name] for values in page]
        children = {}
        if ids:  # (a prefetch over no rows runs no query either)
            related = self.model._default_manager.using(using).filter(**{f"{self.link}__in": ids})
            for values in related.values(*self.lookups):
                children.setdefault(values[self.link], []).append(self.row(values))
        for values in page:
            values[self.key] = children.get(values[pk_name], [])


def _nested_list(field, model):
    """The NestedList of a list field over a reverse foreign key of ``model``; else None."""
    if len(field.source_attrs) != 1:
        return None
    try:
        relation = model._meta.get_field(field.source_attrs[0])
    except FieldDoesNotExist:
        return None
    if not (relation.one_to_many and relation.auto_created) or (
        relation.get_accessor_name() != field.source_attrs[0]
    ):
        return None
    child = column_plan(field.child)
    child_model = getattr(getattr(field.child, "Meta", None), "model", None)
    if child is None or child.lists or child_model is not relation.related_model:
        return None
    return NestedList(field.source_attrs[0], relation.related_model, relation.field.name, child)


def _row_of_values(steps):
    def row(values):
        result = {}
        for name, read, represent in steps:
            value = read(values)
            result[name] = None if value is None else represent(value)
        return result

    return row


def _column_step(field, model, annotations, prefix=""):  # noqa: PLR0911
    """(lookups, read(values), represent) for one field read from ``values()``; else None."""
    if isinstance(field, serializers.BaseSerializer):
        return _nested_step(field, model, annotations, prefix)
    if _is_primary_key(field, model):
        lookup = prefix + field.source_attrs[0]
        return [lookup], itemgetter(lookup), _identity
    if hasattr(field, "column_reading"):  # a field class of our own reads its columns itself
        return field.column_reading(model, prefix, annotations)
    if isinstance(field, relations.StringRelatedField) and not _overrides(
        field, relations.StringRelatedField
    ):
        return _string_step(field, model, prefix)
    if not _plain_get_attribute(field) or not field.source_attrs:
        return None
    attrs = field.source_attrs
    if len(attrs) == 1 and not prefix and attrs[0] in annotations:
        names = attrs
    elif _is_column_chain(model, attrs):
        slug = isinstance(field, relations.SlugRelatedField)
        names = _lookup_names(model, attrs, ends_in_object=slug)
        if names is None:
            return None
    else:
        return None
    represent = _value_representer(field)
    if represent is None:
        return None
    if isinstance(field, relations.SlugRelatedField):
        names = [*names, *field.slug_field.split("__")]  # the slug's column, joined
        represent = _identity
    lookup = prefix + "__".join(names)
    return [lookup], itemgetter(lookup), represent


def _string_step(field, model, prefix):
    """A StringRelatedField over a foreign key whose model writes its ``str()`` from columns
    (``str_columns``, passed in that order to its ``str_of``): those columns, joined."""
    attrs = field.source_attrs
    key = _foreign_key(model, attrs[0]) if len(attrs) == 1 else None
    if key is None or attrs[0] != key.name or not hasattr(key.related_model, "str_columns"):
        return None
    link = prefix + key.name
    columns = [f"{link}__{column}" for column in key.related_model.str_columns]
    str_of = key.related_model.str_of

    def read(values):
        return None if values[link] is None else str_of(*(values[name] for name in columns))

    return [link, *columns], read, _identity


def _nested_step(field, model, annotations, prefix):
    """A nested serializer over one foreign key: its own columns, None when the key is."""
    if isinstance(field, serializers.ListSerializer) or not _plain_get_attribute(field):
        return None
    attrs = field.source_attrs
    if len(attrs) != 1 or _foreign_key(model, attrs[0]) is None:
        return None
    key = _foreign_key(model, attrs[0])
    if attrs[0] != key.name:
        return None
    nested = getattr(getattr(field, "Meta", None), "model", None)
    if nested is not key.related_model or (
        type(field).to_representation is not serializers.Serializer.to_representation
    ):
        return None
    inner_prefix = f"{prefix}{key.name}__"
    lookups, steps = [prefix + key.name], []
    for inner in field._readable_fields:
        step = _column_step(inner, nested, (), inner_prefix)
        if step is None:
            return None
        inner_lookups, read, represent = step
        lookups += inner_lookups
        steps.append((inner.field_name, read, represent))
    nested_row = _row_of_values(tuple(steps))
    present = itemgetter(prefix + key.name)

    def read(values):
        return None if present(values) is None else values

    return lookups, read, nested_row


def _lookup_names(model, attrs, *, ends_in_object):
    """The ORM lookup of a column chain: field names (an attname becomes its field's name).

    None where ``values()`` would not give what the instance gives: a file
    (its name, not a FieldFile), a related object where one is expected
    (only a slug field reads through it), or a nullable link in the middle
    (DRF skips or nulls the field there by its own rules).
    """
    names = []
    for position, attr in enumerate(attrs):
        field = _concrete_field(model, attr)
        last = position == len(attrs) - 1
        if isinstance(field, models.FileField) or (not last and field.null):
            return None
        if last and field.is_relation and (attr == field.name) != ends_in_object:
            return None
        names.append(field.name)
        if field.is_relation:
            model = field.related_model
    return names
