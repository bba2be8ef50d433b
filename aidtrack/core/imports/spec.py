"""What a model's import is: a declaration on its pages, columns derived from its form.

A model gains import the way it gains a list page: its ``ObjectViews``
declares it::

    class FundTransactionViews(ObjectViews):
        form_class = FundTransactionForm
        imports = Importable(key=("project", "kind", "voucher_number"), updates=False)

The columns are the edit form's fields (``exclude`` drops what a sheet cannot
carry: files, accounts), so a field added to the form is a column of the
template and of the import with no other change. Each column's header is the
field's label in the interface language (amounts name their unit: 元 or
万元, both accepted), its kind comes from the form field, a reference is
found by the ways its model declares (``import_lookups``) among the choices
the form offers the user, which are already scoped.

``key`` names the fields that find the record a row updates (a person's ID
number, a project's code); without one, a row identical to a record in scope
is that record (unchanged) and any other row is new, so importing the same
file twice changes nothing either way.
"""

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django import forms
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

# Kinds of column, read by the engine (how a cell is read) and the template (how it is shown).
TEXT, DATE, AMOUNT, INTEGER, DECIMAL, CHOICE, REFERENCE, BOOLEAN = (
    "text",
    "date",
    "amount",
    "integer",
    "decimal",
    "choice",
    "reference",
    "boolean",
)
YUAN, WAN = "yuan", "wan"

# A reference with at most this many choices gets a drop-down in the template.
LISTED_REFERENCES = 300

_AMOUNT_SUFFIX = re.compile(r"\s*[(（]\s*(元|yuan)\s*[)）]\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Importable:
    """A model's import (declared on its ObjectViews as ``imports``)."""

    # The fields that find the existing record a row stands for; () = the whole row.
    # A row leaving one of them blank is matched on the whole row too, except
    # for the fields in ``key_blanks``, where blank is a value of the key (an
    # annual report has no quarter).
    key: tuple[str, ...] = ()
    key_blanks: tuple[str, ...] = ()
    # Whether a row may change the record its key finds (recorded money never changes).
    updates: bool = True
    # Form fields a sheet does not carry.
    exclude: tuple[str, ...] = ()
    # Text fields read as codes: full-width characters folded, spaces removed.
    codes: tuple[str, ...] = ()
    # The template's example row, by field name.
    example: dict = field(default_factory=dict)
    # Records a row may carry besides its own: (dotted path of their ObjectViews,
    # the field pointing at this row's record). A roster row is a person and,
    # when the deployment's columns are filled, that person's deployment.
    companion: tuple[str, str] | None = None


def header_key(text) -> str:
    """A header as compared: full-width folded, spaces and required marks dropped, any case."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s*＊]", "", text).casefold()


def _label(form_field, name: str) -> str:
    return str(form_field.label or name.replace("_", " "))


@dataclass
class ImportColumn:
    """One column of a model's sheet: a field of its form."""

    name: str
    form_field: forms.Field
    kind: str
    header: str
    example: object = None
    # Accepted headers (``header_key``) → the unit an amount is in there (None otherwise).
    accepted: dict = field(default_factory=dict)
    is_code: bool = False
    choice_labels: list = field(default_factory=list)
    required: bool = False
    help_text: str = ""


_HELP_EXAMPLE = re.compile(r"(?:^|\W)(?:e\.g\.|例如|如)\s*[:：]?\s*([^,，;；、)）]+)")


def _example(column: "ImportColumn", name: str):
    """The template's example value where the declaration gives none: the field's own
    "e.g." help, a first choice, or a value of its kind."""
    found = _HELP_EXAMPLE.search(str(column.form_field.help_text or ""))
    if found:
        return found.group(1).strip()
    if column.kind in (CHOICE, BOOLEAN) and column.choice_labels:
        return column.choice_labels[0]
    return {
        DATE: date(2024, 3, 1),
        AMOUNT: Decimal("100000.00"),
        DECIMAL: Decimal("1.5"),
        INTEGER: 2024 if "year" in name else 1,
    }.get(column.kind)


def _kind(form_field) -> str:
    if isinstance(form_field, forms.ModelChoiceField):
        return REFERENCE
    if isinstance(form_field, forms.ChoiceField):
        return CHOICE
    if isinstance(form_field, forms.BooleanField | forms.NullBooleanField):
        return BOOLEAN
    if isinstance(form_field, forms.DateField):
        return DATE
    if isinstance(form_field, forms.DecimalField):  # before IntegerField, its base class
        return DECIMAL
    if isinstance(form_field, forms.IntegerField):
        return INTEGER
    return TEXT


def _is_amount(model, name: str) -> bool:
    """Amounts are the money fields, named "… (yuan)" (core.money shows them in 万元)."""
    try:
        verbose_name = model._meta.get_field(name).verbose_name
    except Exception:  # a form-only field
        return False
    with translation.override("en"):
        return bool(_AMOUNT_SUFFIX.search(str(verbose_name)))


# How a header names an amount's unit, in any interface language.
_UNIT_WORDS = {YUAN: ("元", "yuan"), WAN: ("万元", "10,000 yuan", "ten thousand yuan", "wan yuan")}


def _amount_headers(bases) -> dict[str, str]:
    """Accepted headers of an amount column: its label before the unit, with either unit."""
    return {
        header_key(f"{base}({word})"): unit
        for base in bases
        for unit, words in _UNIT_WORDS.items()
        for word in words
    }


def _languages() -> tuple[str, ...]:
    from django.conf import settings

    return tuple(code for code, _name in settings.LANGUAGES)


class ImportPlan:
    """The columns of one model's import for one user (the form's fields, scoped to them)."""

    def __init__(self, views, user):
        self.views = views
        self.model = views.model
        self.spec: Importable = views.imports
        self.user = user
        self.form = views.form_class(user=user)
        self.columns = [
            self._column(name, form_field)
            for name, form_field in self.form.fields.items()
            if name not in self.spec.exclude
            and not isinstance(form_field, forms.FileField)
            and not form_field.disabled
        ]

    def _column(self, name: str, form_field) -> ImportColumn:
        kind = _kind(form_field)
        if kind == DECIMAL and _is_amount(self.model, name):
            kind = AMOUNT
        header = _label(form_field, name)
        column = ImportColumn(
            name=name,
            form_field=form_field,
            kind=kind,
            header=header,
            example=self.spec.example.get(name),
            is_code=name in self.spec.codes or name in self.spec.key and kind == TEXT,
            required=form_field.required,
            help_text=str(form_field.help_text or ""),
        )
        labels = self._labels_by_language(name)
        if kind == AMOUNT:
            column.accepted = _amount_headers(
                {_AMOUNT_SUFFIX.sub("", label) for label in labels.values()}
            )
        else:
            column.accepted = {header_key(label): None for label in labels.values()}
        column.accepted.setdefault(header_key(name), YUAN if kind == AMOUNT else None)
        if kind == CHOICE:
            column.choice_labels = [str(label) for code, label in form_field.choices if code != ""]
        elif kind == BOOLEAN:
            column.choice_labels = [_("yes"), _("no")]
        if column.example is None:
            column.example = _example(column, name)
        return column

    def _labels_by_language(self, name: str) -> dict[str, str]:
        """The column's label in every language: a sheet is read whatever language made it."""
        form_field = self.form.fields[name]
        labels = {}
        for language in _languages():
            with translation.override(language):
                labels[language] = _label(form_field, name)
        return labels

    def template_columns(self) -> list[ImportColumn]:
        """The template's columns: this model's, then its companion's (filled when it applies)."""
        if not self.spec.companion:
            return self.columns
        path, link = self.spec.companion
        companion = ImportPlan(import_string(path), self.user)
        when = _("Fill in when the row also records a %(record)s.") % {
            "record": companion.model._meta.verbose_name
        }
        return self.columns + [
            replace(column, required=False, help_text=f"{when} {column.help_text}".strip())
            for column in companion.columns
            if column.name != link
        ]

    def list_reference_choices(self) -> None:
        """Fill the drop-down of references with few choices (the template offers them)."""
        for column in self.columns:
            if column.kind != REFERENCE:
                continue
            queryset = column.form_field.queryset
            choices = list(queryset[: LISTED_REFERENCES + 1])
            if len(choices) <= LISTED_REFERENCES:
                column.choice_labels = [lookup_label(record) for record in choices]
                if column.example is None and column.choice_labels:
                    column.example = column.choice_labels[0]


def lookup_label(record) -> str:
    """How a sheet names ``record``: its first declared lookup it has a value for, else its text."""
    for lookup in getattr(type(record), "import_lookups", ()):
        value = str(record) if lookup == "__str__" else getattr(record, lookup)
        if value:
            return str(value)
    return str(record)


def importables() -> dict[str, type]:
    """Every model with an import: ``"app_label.model_name"`` → its ObjectViews class."""
    from aidtrack.core.views import declared_pages

    found = {
        views.model._meta.label_lower: views
        for views in declared_pages()
        if getattr(views, "imports", None) is not None and views.form_class is not None
    }
    return dict(sorted(found.items()))
