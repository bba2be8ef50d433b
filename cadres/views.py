from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from aidtrack.core import scoping
from aidtrack.core.views import ObjectDetailView, ObjectViewMixin, ObjectViews
from cadres.filters import PersonFilterSet
from cadres.forms import PersonForm, RevealForm
from cadres.models import Person
from cadres.services import REVEAL_PERMISSION, person_reveal
from cadres.tables import PersonTable


class PersonDetailView(ObjectDetailView):
    template_name = "cadres/person_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_reveal"] = self.request.user.has_perm(REVEAL_PERMISSION)
        return context


class PersonViews(ObjectViews):
    model = Person
    filterset_class = PersonFilterSet
    table_class = PersonTable
    form_class = PersonForm
    detail_view = PersonDetailView
    path_prefix = "people"
    detail_fields = (
        "name",
        "gender",
        "birth_date",
        "ethnicity",
        "political_status",
        "education",
        (_("ID number"), "masked_id_number"),
        (_("phone"), "masked_phone"),
        "category",
        "specialty",
        "title",
        "rank",
        "home_organization",
    )
    detail_select_related = ("home_organization__region",)


class PersonRevealView(ObjectViewMixin, TemplateView):
    """Show one personal field whole, once, after the user says why; the reveal is logged."""

    template_name = "cadres/person_reveal.html"
    action = scoping.VIEW

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm(REVEAL_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render(self.get_object(), RevealForm())

    def post(self, request, *args, **kwargs):
        person = self.get_object()
        form = RevealForm(request.POST)
        revealed = None
        if form.is_valid():
            try:
                revealed = person_reveal(
                    person=person, user=request.user, request_id=request.id, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
        return self.render(person, form, revealed=revealed, status=200 if revealed else 400)

    def render(self, person, form, revealed=None, status=200):
        context = self.get_context_data(object=person, form=form, revealed=revealed)
        response = self.render_to_response(context, status=status)
        response["Cache-Control"] = "no-store"  # the page may hold a whole ID number
        return response
