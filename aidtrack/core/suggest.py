"""The suggestion endpoint behind ``core.references.ReferenceInput``."""

from django.apps import apps
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.views import View

from aidtrack.core import scoping
from aidtrack.core.references import is_suggestible, suggestions
from aidtrack.core.views import BrowserAccessMixin


class ReferenceSuggestView(BrowserAccessMixin, View):
    """Datalist options: ``?q=<text>`` among the model's rows in the user's scope.

    One route serves every model that declares ``suggest_fields``; any other
    model is a 404, as is a model the role may not read (``for_user`` is empty).
    """

    def get(self, request, model_label: str):
        try:
            model = apps.get_model(model_label)
        except (LookupError, ValueError) as exc:
            raise Http404 from exc
        if not is_suggestible(model):
            raise Http404
        text = request.GET.get("q", "").strip()[:100]
        to_field = request.GET.get("to_field", "pk")
        # Only the values a model offers (a region's code), never any column.
        if to_field not in ("pk", *getattr(model, "suggest_values", ())):
            return HttpResponseBadRequest()
        if "\x00" in text:  # PostgreSQL cannot compare text with a NUL in it
            return HttpResponseBadRequest()
        readable = model.objects.for_user(request.user, scoping.VIEW)
        options = suggestions(readable, text, to_field=to_field)
        return render(request, "widgets/reference_suggestions.html", {"options": options})
