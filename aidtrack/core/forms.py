"""Forms whose choices go through the user's scope."""

from django import forms
from django.utils.translation import gettext_lazy as _

from aidtrack.core import natural_keys, scoping
from aidtrack.core.files import ACCEPT_UPLOADS
from aidtrack.core.references import LONGEST_SELECT, ReferenceInput, is_suggestible


def scope_choice_fields(fields, user) -> None:
    """Limit every model choice to rows the user may see.

    A coordinator must not be able to pick (or even learn of) another
    pairing through a drop-down.
    """
    for field in fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is not None and hasattr(queryset, "for_user"):
            field.queryset = queryset.for_user(user, scoping.VIEW)
            choose_long_lists_by_name(field)


def choose_long_lists_by_name(field) -> None:
    """A select of more than ``LONGEST_SELECT`` records becomes a type-ahead box.

    Nobody scrolls through 200 organisations; the box suggests the rows of the
    field's (scoped) queryset by name and posts the id as the select did.
    """
    if (
        type(field) is not forms.ModelChoiceField  # not multiple, not a RegionField
        or not is_suggestible(field.queryset.model)
        or field.disabled
        or len(field.queryset.values_list("pk")[: LONGEST_SELECT + 1]) <= LONGEST_SELECT
    ):
        return
    field.widget = ReferenceInput(field.queryset.model, queryset=field.queryset)


class ScopedModelForm(forms.ModelForm):
    """Base for every edit form: scoped choices and Bootstrap widgets.

    A form only validates; the edit page saves through the model's declared
    service (``core.writes``). What a form carries beyond the model's fields
    (uploaded files, a new password) reaches that service through
    ``service_arguments()``.
    """

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        scope_choice_fields(self.fields, user)
        self._keep_references_out_of_reach()
        for field in self.fields.values():
            bootstrap(field)

    def _update_errors(self, errors):
        # A duplicate's message links to the record it duplicates (core.natural_keys).
        super()._update_errors(natural_keys.linked_errors(errors, self.user))

    def _keep_references_out_of_reach(self) -> None:
        """A stored reference the user may not pick (a parent pairing above their scope) stays.

        The field shows it, read-only; a disabled field keeps the stored value
        whatever is posted, so saving the form unchanged changes nothing.
        """
        if self.instance.pk is None or self.user.pairing_ids_in_scope(scoping.VIEW) is None:
            return  # a new record refers to nothing yet; an unrestricted user sees everything
        for name, field in self.fields.items():
            if (
                not isinstance(field, forms.ModelChoiceField)
                or isinstance(field, forms.ModelMultipleChoiceField)
                or not scoping.is_pairing_scoped(field.queryset.model)  # reference data
            ):
                continue
            current = getattr(self.instance, self.instance._meta.get_field(name).attname, None)
            if current is None or field.queryset.filter(pk=current).exists():
                continue
            field.queryset = field.queryset.model._base_manager.filter(pk=current)
            if isinstance(field.widget, ReferenceInput):
                field.widget.queryset = field.queryset
            field.disabled = True
            field.help_text = _("Outside the pairings you are responsible for; kept as it is.")

    def service_arguments(self) -> dict:
        return {}


class PayloadForm(forms.Form):
    """What a status transition asks for (a date, a reason), in the browser and the API.

    ``record`` is the record the step applies to (choices may depend on it);
    model choices are scoped to ``user``. Without fields: a step that needs
    nothing but the click.
    """

    def __init__(self, data=None, *, record=None, user=None, **kwargs):
        super().__init__(data, **kwargs)
        self.record = record
        self.user = user
        scope_choice_fields(self.fields, user)
        for field in self.fields.values():
            bootstrap(field)


def bootstrap(field: forms.Field) -> None:
    widget = field.widget
    if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
        widget.attrs.setdefault("class", "form-check-input")
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        widget.attrs.setdefault("class", "form-select")
    else:
        widget.attrs.setdefault("class", "form-control")
    if isinstance(widget, forms.DateInput):
        widget.input_type = "date"
        widget.format = "%Y-%m-%d"
    if isinstance(widget, forms.FileInput):
        # Offer what core.files.validate_upload accepts (the check itself is on the content).
        widget.attrs.setdefault("accept", ACCEPT_UPLOADS)


class FilterForm(forms.Form):
    """The form of every FilterSet: compact Bootstrap controls."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            bootstrap(field)
            small = (
                "form-select-sm" if isinstance(field.widget, forms.Select) else "form-control-sm"
            )
            field.widget.attrs["class"] += f" {small}"


OUT_OF_SCOPE_MESSAGE = _(
    "This change would place the record outside the pairings you are responsible for."
)


def add_model_errors(form, exc) -> None:
    """Put a service's ValidationError on the form's fields where the form has them."""
    exc = natural_keys.linked_errors(exc, getattr(form, "user", None))
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
