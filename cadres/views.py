from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from aidtrack.core import scoping
from aidtrack.core.forms import add_model_errors
from aidtrack.core.views import ObjectDetailView, ObjectViewMixin, ObjectViews
from cadres.choices import DeploymentStatus
from cadres.filters import DeploymentFilterSet, PersonFilterSet
from cadres.forms import (
    CompleteForm,
    DeploymentForm,
    ExtendForm,
    PersonForm,
    RecallForm,
    RevealForm,
    StartForm,
)
from cadres.models import Deployment, Person
from cadres.services import (
    REVEAL_PERMISSION,
    deployment_end,
    deployment_extend,
    deployment_start,
    person_reveal,
)
from cadres.tables import DeploymentTable, PersonTable
from pairings.models import Pairing


class PersonDetailView(ObjectDetailView):
    template_name = "cadres/person_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_reveal"] = self.request.user.has_perm(REVEAL_PERMISSION)
        context["deployments"] = (
            Deployment.objects.for_user(self.request.user)
            .filter(person=context["object"])
            .select_related("host_organization", *Pairing.name_related("pairing"))
            .order_by("-start_date")
        )
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


class DeploymentDetailView(ObjectDetailView):
    template_name = "cadres/deployment_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deployment = context["object"]
        context["extensions"] = deployment.extensions.all()
        context["actions"] = (
            [
                (name, label)
                for name, (label, _form, _service, statuses) in DEPLOYMENT_ACTIONS.items()
                if deployment.status in statuses
            ]
            if self.request.user.may(scoping.CHANGE, Deployment)
            else []
        )
        return context


class DeploymentViews(ObjectViews):
    model = Deployment
    filterset_class = DeploymentFilterSet
    table_class = DeploymentTable
    form_class = DeploymentForm
    detail_view = DeploymentDetailView
    detail_fields = (
        "person",
        "pairing",
        "direction",
        "kind",
        "host_organization",
        "post",
        "start_date",
        "planned_end_date",
        "actual_end_date",
        "status",
        "notes",
    )
    detail_select_related = (
        "person",
        "host_organization",
        *Pairing.name_related("pairing"),
    )


# action: (button label, form, service, statuses it applies to)
DEPLOYMENT_ACTIONS = {
    "start": (_("Arrived on post"), StartForm, deployment_start, (DeploymentStatus.PLANNED,)),
    "extend": (
        _("Extend"),
        ExtendForm,
        deployment_extend,
        (DeploymentStatus.PLANNED, DeploymentStatus.ON_POST),
    ),
    "complete": (
        _("Term completed"),
        CompleteForm,
        partial(deployment_end, recalled=False),
        (DeploymentStatus.ON_POST,),
    ),
    "recall": (
        _("Recall"),
        RecallForm,
        partial(deployment_end, recalled=True),
        (DeploymentStatus.ON_POST,),
    ),
}


class DeploymentActionView(ObjectViewMixin, TemplateView):
    """Start, extend, complete or recall a deployment through its service."""

    template_name = "cadres/deployment_action.html"
    action = scoping.CHANGE

    def dispatch(self, request, *args, **kwargs):
        if kwargs["transition"] not in DEPLOYMENT_ACTIONS:
            raise Http404
        self.label, self.form_class, self.service, _statuses = DEPLOYMENT_ACTIONS[
            kwargs["transition"]
        ]
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render(self.get_object(), self.form_class())

    def post(self, request, *args, **kwargs):
        deployment = self.get_object()
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.service(deployment=deployment, **form.cleaned_data)
            except ValidationError as exc:
                add_model_errors(form, exc)
            else:
                messages.success(request, _("%(action)s: done.") % {"action": self.label})
                return HttpResponseRedirect(deployment.get_absolute_url())
        return self.render(deployment, form, status=400)

    def render(self, deployment, form, status=200):
        context = self.get_context_data(object=deployment, form=form, label=self.label)
        return self.render_to_response(context, status=status)
