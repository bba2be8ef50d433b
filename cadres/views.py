from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from aidtrack.core import scoping
from aidtrack.core.forms import add_model_errors
from aidtrack.core.views import (
    BrowserAccessMixin,
    ObjectDetailView,
    ObjectViewMixin,
    ObjectViews,
)
from cadres.choices import (
    MISSION_ROLES,
    CheckInSlot,
    CheckInState,
    DeploymentStatus,
    Direction,
    LeaveStatus,
    PersonCategory,
    Specialty,
    TeamKind,
)
from cadres.filters import (
    AwardFilterSet,
    CareRecordFilterSet,
    CheckInFilterSet,
    DeploymentFilterSet,
    LeaveRequestFilterSet,
    MentorshipFilterSet,
    PersonFilterSet,
    TeamFilterSet,
    TeamMemberFilterSet,
)
from cadres.forms import (
    AwardForm,
    CareRecordForm,
    CheckInForm,
    CheckInTapForm,
    CompleteForm,
    DeploymentForm,
    ExtendForm,
    LeaveDecisionForm,
    LeaveRequestForm,
    MentorshipForm,
    OwnLeaveForm,
    PersonForm,
    RecallForm,
    RevealForm,
    StartForm,
    TeamForm,
    TeamMemberForm,
)
from cadres.models import (
    Award,
    CareRecord,
    CheckIn,
    Deployment,
    LeaveRequest,
    Mentorship,
    Person,
    Team,
    TeamMember,
)
from cadres.selectors import (
    current_team_memberships,
    deployment_active_on,
    deployments_ending_within,
    people_on_post,
    team_board,
    teams_led_by,
)
from cadres.services import (
    REVEAL_PERMISSION,
    check_in_record,
    deployment_end,
    deployment_extend,
    deployment_start,
    leads_team,
    leave_request_decide,
    leave_request_submit,
    may_decide_leave,
    may_record_check_in,
    person_reveal,
)
from cadres.tables import (
    AwardTable,
    CareRecordTable,
    CheckInTable,
    DeploymentTable,
    LeaveRequestTable,
    MentorshipTable,
    PersonTable,
    TeamMemberTable,
    TeamTable,
)
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
        context["memberships"] = (
            TeamMember.objects.for_user(self.request.user)
            .filter(person=context["object"])
            .select_related("team")
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


# -- teams -----------------------------------------------------------------------


class TeamDetailView(ObjectDetailView):
    """The team: members by sub-group with today's check-ins, and pending leave."""

    template_name = "cadres/team_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        team, user = context["object"], self.request.user
        leader = leads_team(user, team)
        context["board"] = team_board(team)
        context["can_record"] = leader or user.may(scoping.ADD, CheckIn)
        context["can_decide"] = leader or user.may(scoping.CHANGE, LeaveRequest)
        context["pending_leave"] = (
            LeaveRequest.objects.for_user(user)
            .filter(team=team, status=LeaveStatus.PENDING)
            .select_related("person")
        )
        if team.kind == TeamKind.SCIENCE_MISSION:
            held = set(team.members.filter(role__in=MISSION_ROLES).values_list("role", flat=True))
            context["missing_heads"] = [
                TeamMember(role=role).get_role_display()
                for role in MISSION_ROLES
                if role not in held
            ]
        return context


class TeamViews(ObjectViews):
    model = Team
    filterset_class = TeamFilterSet
    table_class = TeamTable
    form_class = TeamForm
    detail_view = TeamDetailView
    detail_select_related = ("host_organization", *Pairing.name_related("pairing"))


class TeamMemberViews(ObjectViews):
    model = TeamMember
    filterset_class = TeamMemberFilterSet
    table_class = TeamMemberTable
    form_class = TeamMemberForm
    path_prefix = "team-members"
    detail_select_related = ("team", "person")


# -- check-ins ---------------------------------------------------------------------


class CheckInViews(ObjectViews):
    model = CheckIn
    filterset_class = CheckInFilterSet
    table_class = CheckInTable
    form_class = CheckInForm
    path_prefix = "check-ins"
    detail_fields = ("person", "date", "slot", "state", "note", "recorded_at")
    detail_select_related = ("person",)


def current_slot() -> str:
    """Morning until 15:00 local time, evening after: what a tap on “unwell” means now."""
    return CheckInSlot.MORNING if timezone.localtime().hour < 15 else CheckInSlot.EVENING


class CheckInPageView(BrowserAccessMixin, TemplateView):
    """The phone page: one's own check-in, and the boards of the teams one leads.

    People are not users: a person with a linked account checks in here; a
    team leader (or coordinator, from the team page) records for members.
    """

    template_name = "cadres/checkin.html"

    def get(self, request, *args, **kwargs):
        return self.render()

    def post(self, request, *args, **kwargs):
        handler = {
            "checkin": self.post_check_in,
            "leave": self.post_leave,
            "decide": self.post_decision,
        }.get(request.POST.get("action"))
        if handler is None:
            return self.render(status=400)
        return handler()

    # -- handlers -------------------------------------------------------------
    def post_check_in(self):
        form = CheckInTapForm(self.request.POST)
        if not form.is_valid():
            messages.error(self.request, _("That check-in could not be read; please try again."))
            return self.render(status=400)
        data = form.cleaned_data
        person = self.me if data["person"] is None else self._person(data["person"])
        if person is None or (
            person != self.me and not may_record_check_in(self.request.user, person)
        ):
            raise Http404  # someone else's: not even whether they exist
        try:
            check_in_record(
                person=person,
                slot=data["slot"],
                state=data["state"],
                note=data["note"],
                user=self.request.user,
            )
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
            return self.render(status=400)
        messages.success(
            self.request,
            _("Checked in: %(person)s, %(slot)s, %(state)s.")
            % {
                "person": person,
                "slot": CheckInSlot(data["slot"]).label,
                "state": CheckInState(data["state"]).label,
            },
        )
        return self.redirect_back()

    def post_leave(self):
        form = OwnLeaveForm(self.request.POST)
        if self.me is None:
            raise Http404
        if form.is_valid():
            membership = current_team_memberships(self.me).filter(team_id=form.cleaned_data["team"])
            team = membership.first().team if membership.exists() else None
            if team is None:
                raise Http404
            try:
                leave_request_submit(
                    person=self.me,
                    team=team,
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                    reason=form.cleaned_data["reason"],
                    user=self.request.user,
                )
            except ValidationError as exc:
                add_model_errors(form, _leave_errors(exc))
            else:
                messages.success(self.request, _("Your leave request was sent to your leader."))
                return self.redirect_back()
        return self.render(leave_form=form, status=400)

    def post_decision(self):
        leave_request = get_object_or_404(
            LeaveRequest.objects.select_related("person", "team"),
            pk=_int(self.request.POST.get("leave_request")),
        )
        if not may_decide_leave(self.request.user, leave_request):
            raise Http404  # not even whether it exists
        try:
            leave_request_decide(
                leave_request=leave_request,
                approve=self.request.POST.get("approve") == "1",
                comment=self.request.POST.get("comment", ""),
                user=self.request.user,
            )
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
            return self.render(status=400)
        messages.success(self.request, _("Decision recorded."))
        return self.redirect_back()

    # -- helpers --------------------------------------------------------------
    @property
    def me(self) -> Person | None:
        if not hasattr(self, "_me"):
            self._me = Person.objects.filter(user=self.request.user).first()
        return self._me

    def _person(self, pk: int) -> Person | None:
        return Person.objects.filter(pk=pk).first()

    def redirect_back(self):
        target = self.request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={self.request.get_host()}):
            target = reverse("cadres:checkin")
        return HttpResponseRedirect(target)

    def render(self, leave_form=None, status=200):
        user, me, today = self.request.user, self.me, timezone.localdate()
        mine = {}
        memberships = []
        my_leave = []
        if me is not None:
            mine = {c.slot: c for c in CheckIn.objects.filter(person=me, date=today)}
            memberships = list(current_team_memberships(me, today))
            my_leave = list(
                LeaveRequest.objects.filter(person=me)
                .select_related("team")
                .order_by("-start_date")[:5]
            )
        teams = list(teams_led_by(user, today))
        context = self.get_context_data(
            me=me,
            today=today,
            slot=current_slot(),
            morning=mine.get(CheckInSlot.MORNING),
            evening=mine.get(CheckInSlot.EVENING),
            memberships=memberships,
            my_leave=my_leave,
            leave_form=leave_form
            or (OwnLeaveForm(initial={"team": memberships[0].team_id}) if memberships else None),
            boards=[team_board(team, today) for team in teams],
            pending_leave=LeaveRequest.objects.filter(team__in=teams, status=LeaveStatus.PENDING)
            .select_related("person", "team")
            .order_by("start_date"),
        )
        return self.render_to_response(context, status=status)


def _int(raw) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Http404 from None


def _leave_errors(exc: ValidationError) -> ValidationError:
    """The service speaks of model fields; the phone form names them start/end."""
    if not hasattr(exc, "error_dict"):
        return exc
    renamed = {"start_date": "start", "end_date": "end"}
    return ValidationError({renamed.get(k, k): v for k, v in exc.error_dict.items()})


# -- leave, mentorships, awards, care ---------------------------------------------


class LeaveRequestDetailView(ObjectDetailView):
    template_name = "cadres/leaverequest_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        leave_request = context["object"]
        context["can_decide"] = leave_request.status == LeaveStatus.PENDING and may_decide_leave(
            self.request.user, leave_request
        )
        return context


class LeaveRequestViews(ObjectViews):
    model = LeaveRequest
    filterset_class = LeaveRequestFilterSet
    table_class = LeaveRequestTable
    form_class = LeaveRequestForm
    detail_view = LeaveRequestDetailView
    path_prefix = "leave-requests"
    detail_fields = (
        "person",
        "team",
        "start_date",
        "end_date",
        "reason",
        "status",
        "decided_by",
        "decided_at",
        "decision_comment",
    )
    detail_select_related = ("person", "team", "decided_by")


LEAVE_DECISIONS = {"approve": (_("Approve"), True), "reject": (_("Reject"), False)}


class LeaveDecisionView(ObjectViewMixin, TemplateView):
    """Approve or reject a pending leave request (coordinators; leaders use the phone page)."""

    template_name = "cadres/deployment_action.html"
    action = scoping.VIEW  # the service decides who may decide

    def dispatch(self, request, *args, **kwargs):
        if kwargs["decision"] not in LEAVE_DECISIONS:
            raise Http404
        self.label, self.approve = LEAVE_DECISIONS[kwargs["decision"]]
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render(self.get_object(), LeaveDecisionForm())

    def post(self, request, *args, **kwargs):
        leave_request = self.get_object()
        form = LeaveDecisionForm(request.POST)
        if form.is_valid():
            try:
                leave_request_decide(
                    leave_request=leave_request,
                    approve=self.approve,
                    comment=form.cleaned_data["comment"],
                    user=request.user,
                )
            except ValidationError as exc:
                add_model_errors(form, exc)
            else:
                messages.success(request, _("%(action)s: done.") % {"action": self.label})
                return HttpResponseRedirect(leave_request.get_absolute_url())
        return self.render(leave_request, form, status=400)

    def render(self, leave_request, form, status=200):
        context = self.get_context_data(object=leave_request, form=form, label=self.label)
        return self.render_to_response(context, status=status)


class MentorshipDetailView(ObjectDetailView):
    template_name = "cadres/mentorship_detail.html"


class MentorshipViews(ObjectViews):
    model = Mentorship
    filterset_class = MentorshipFilterSet
    table_class = MentorshipTable
    form_class = MentorshipForm
    detail_view = MentorshipDetailView
    detail_fields = ("mentor", "subject", "goals", "start_date", "end_date")
    detail_select_related = ("mentor",)


class AwardViews(ObjectViews):
    model = Award
    filterset_class = AwardFilterSet
    table_class = AwardTable
    form_class = AwardForm
    detail_select_related = ("person",)


class CareRecordViews(ObjectViews):
    model = CareRecord
    filterset_class = CareRecordFilterSet
    table_class = CareRecordTable
    form_class = CareRecordForm
    path_prefix = "care-records"
    detail_select_related = ("person",)


# -- the pairing hub's "people" tab --------------------------------------------------


def pairing_people_tab(request, pairing) -> dict:
    """Who is on post today under the pairing and the pairings below it, as this user sees it."""
    user, today = request.user, timezone.localdate()
    tree = Pairing.objects.descendant_ids([pairing.pk])
    scope = user.pairing_ids_in_scope(scoping.VIEW)
    visible = tree if scope is None else tree & scope
    on_post = (
        Deployment.objects.for_user(user)
        .filter(pairing_id__in=visible)
        .filter(deployment_active_on(today))
        .select_related("person", "host_organization")
        .order_by("person__category", "person__name", "id")
    )
    by_category = {code: [] for code in PersonCategory.values}
    for deployment in on_post:
        by_category[deployment.person.category].append(deployment)
    summary = people_on_post(visible, today)
    return {
        "today": today,
        "on_post_groups": [
            (PersonCategory(code).label, rows) for code, rows in by_category.items() if rows
        ],
        "summary": summary,
        "summary_rows": _labelled_counts(summary),
        "ending_soon": deployments_ending_within(visible, 60, today),
        "teams": Team.objects.for_user(user)
        .filter(pairing_id__in=visible)
        .select_related("host_organization")
        .annotate(
            member_count=Count(
                "members",
                filter=Q(members__left_on__isnull=True) | Q(members__left_on__gte=today),
            )
        )
        .order_by("-start_date", "name"),
    }


def _labelled_counts(summary: dict) -> list[tuple]:
    """``[(heading, [(label, count, filter query), …]), …]`` for the count tables."""
    sections = (
        (_("By category"), "by_category", PersonCategory, "category"),
        (_("By specialty"), "by_specialty", Specialty, "specialty"),
        (_("By direction"), "by_direction", Direction, "direction"),
    )
    return [
        (
            heading,
            [
                (choices(code).label, count, f"{param}={code}")
                for code, count in summary[key].items()
                if count
            ],
        )
        for heading, key, choices, param in sections
    ]
