from datetime import date
from functools import cached_property

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from aidtrack.core import scoping
from aidtrack.core.forms import add_model_errors
from aidtrack.core.hub import first_page
from aidtrack.core.imports.spec import Importable
from aidtrack.core.search import Searchable
from aidtrack.core.throttling import RateLimited
from aidtrack.core.transitions import TransitionNotAllowed
from aidtrack.core.views import (
    BrowserAccessMixin,
    ObjectDetailView,
    ObjectViewMixin,
    ObjectViews,
    transition_links,
)
from cadres.choices import (
    MISSION_ROLES,
    CheckInSlot,
    CheckInState,
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
    DeploymentForm,
    LeaveRequestForm,
    MentorshipForm,
    OwnLeaveForm,
    PersonForm,
    RevealForm,
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
    PersonalDataReveal,
    Team,
    TeamMember,
)
from cadres.selectors import (
    current_member_count,
    current_team_memberships,
    deployment_active_on,
    deployments_ending_within,
    leading_memberships,
    people_on_post,
    team_board,
)
from cadres.services import (
    REVEAL_PERMISSION,
    check_in_record,
    leads_team,
    leave_request_submit,
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

# Reveals shown on a person's page; the whole log stays in the admin.
REVEALS_SHOWN = 20


class PersonDetailView(ObjectDetailView):
    template_name = "cadres/person_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_reveal"] = self.request.user.has_perm(REVEAL_PERMISSION)
        if self.request.user.is_administrator:
            # Who saw this person's whole ID number or phone: for those who answer for it.
            context["reveals"] = (
                PersonalDataReveal.objects.filter(person=context["object"])
                .select_related("revealed_by")
                .order_by("-revealed_at", "-id")[:REVEALS_SHOWN]
            )
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
    # By name only: never by ID number or phone (core.search).
    search = Searchable(
        rank=1, fields=("name",), select_related=("home_organization",), detail="home_organization"
    )
    # A roster row is a person and, where its deployment columns are filled, their deployment.
    imports = Importable(
        key=("id_number",),
        codes=("id_number", "phone"),
        exclude=("user",),
        companion=("cadres.views.DeploymentViews", "person"),
        example={"name": "张三", "birth_date": date(1980, 5, 1), "ethnicity": "汉族"},
    )
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
        revealed, status = None, 400
        if form.is_valid():
            try:
                revealed = person_reveal(
                    person=person, user=request.user, request_id=request.id, **form.cleaned_data
                )
                status = 200
            except ValidationError as exc:
                form.add_error(None, exc)
            except RateLimited as exc:
                form.add_error(None, exc.message)
                status = 429
        return self.render(person, form, revealed=revealed, status=status)

    def render(self, person, form, revealed=None, status=200):
        # The revealed value is labelled with its field's name ("联系电话"), never its code.
        label = PersonalDataReveal.Field(form.cleaned_data["field"]).label if revealed else ""
        context = self.get_context_data(
            object=person, form=form, revealed=revealed, revealed_label=label
        )
        response = self.render_to_response(context, status=status)
        response["Cache-Control"] = "no-store"  # the page may hold a whole ID number
        return response


class DeploymentDetailView(ObjectDetailView):
    template_name = "cadres/deployment_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["extensions"] = context["object"].extensions.all()
        return context


class DeploymentViews(ObjectViews):
    model = Deployment
    filterset_class = DeploymentFilterSet
    table_class = DeploymentTable
    form_class = DeploymentForm
    imports = Importable(key=("person", "pairing", "start_date"))
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


# -- teams -----------------------------------------------------------------------


class TeamDetailView(ObjectDetailView):
    """The team: members by sub-group with today's check-ins, and pending leave."""

    template_name = "cadres/team_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        team, user = context["object"], self.request.user
        context["board"] = team_board(team)
        context["can_record"] = leads_team(user, team) or user.may(scoping.ADD, CheckIn)
        # Each request with the decisions this user may take on it (core.transitions).
        context["pending_leave"] = [
            (leave_request, transition_links(leave_request, user))
            for leave_request in LeaveRequest.objects.for_user(user)
            .filter(team=team, status=LeaveStatus.PENDING)
            .select_related("person", "team")
        ]
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
    search = Searchable(
        rank=5, fields=("name",), select_related=Pairing.name_related("pairing"), detail="pairing"
    )
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


class CheckInPage(BrowserAccessMixin, TemplateView):
    """The phone page: one's own check-in and leave, and the boards of the teams one leads.

    People are not users: a person with a linked account (often a team
    member's, whose role has no other pages) checks in here; a team leader
    (or a coordinator, from the team page) records for members. Every record
    is reached through ``for_user``: for a team member's account that is
    what is theirs as a person (the models' ``own_q``); the services decide
    what they may do with it.
    """

    template_name = "cadres/checkin.html"

    @cached_property
    def me(self) -> Person | None:
        user = self.request.user
        return Person.objects.for_user(user, scoping.VIEW).filter(user=user).first()

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
            mine = {
                c.slot: c
                for c in CheckIn.objects.for_user(user, scoping.VIEW)
                .filter(person=me, date=today)
                .select_related("person", "updated_by")
            }
            memberships = list(current_team_memberships(me, today))
            my_leave = list(
                LeaveRequest.objects.for_user(user, scoping.VIEW)
                .filter(person=me)
                .select_related("team")
                .order_by("-start_date")[:5]
            )
            if leave_form is None and memberships:
                leave_form = OwnLeaveForm(user=user, person=me)
        led = leading_memberships(user, today).values("team")
        teams = list(
            Team.objects.for_user(user, scoping.VIEW).filter(pk__in=led).order_by("name", "id")
        )
        context = self.get_context_data(
            me=me,
            today=today,
            slot=current_slot(),
            morning=mine.get(CheckInSlot.MORNING),
            evening=mine.get(CheckInSlot.EVENING),
            memberships=memberships,
            my_leave=my_leave,
            leave_form=leave_form,
            boards=[team_board(team, today) for team in teams],
            pending_leave=LeaveRequest.objects.for_user(user, scoping.VIEW)
            .filter(team__in=teams, status=LeaveStatus.PENDING)
            .select_related("person", "team")
            .order_by("start_date"),
        )
        return self.render_to_response(context, status=status)


class CheckInPageView(CheckInPage):
    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        return self.render()


class CheckInRecordView(CheckInPage):
    """A tap: one's own check-in, or (a leader, a coordinator) a member's."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = CheckInTapForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("That check-in could not be read; please try again."))
            return self.render(status=400)
        data = form.cleaned_data
        if data["person"] is None:
            person = self.me
            if person is None:
                raise Http404
        else:
            people = Person.objects.for_user(request.user, scoping.VIEW)
            person = get_object_or_404(people, pk=data["person"])
        try:
            check_in = check_in_record(
                person=person,
                slot=data["slot"],
                state=data["state"],
                note=data["note"],
                user=request.user,
            )
        except PermissionDenied:
            raise Http404 from None  # someone else's: not even whether they exist
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.render(status=400)
        if check_in.on_behalf:
            done = _("Recorded on behalf of %(person)s: %(slot)s, %(state)s.")
        else:
            done = _("Checked in: %(person)s, %(slot)s, %(state)s.")
        messages.success(
            request,
            done
            % {
                "person": person,
                "slot": CheckInSlot(data["slot"]).label,
                "state": CheckInState(data["state"]).label,
            },
        )
        return self.redirect_back()


class CheckInLeaveView(CheckInPage):
    """One's own leave request, for one of one's current teams; the leaders are told."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if self.me is None:
            raise Http404
        form = OwnLeaveForm(request.POST, user=request.user, person=self.me)
        if form.is_valid():
            try:
                leave_request_submit(
                    person=self.me,
                    team=form.cleaned_data["team"],
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                    reason=form.cleaned_data["reason"],
                    user=request.user,
                )
            except ValidationError as exc:
                add_model_errors(form, _leave_errors(exc))
            else:
                messages.success(request, _("Your leave request was sent to your leader."))
                return self.redirect_back()
        return self.render(leave_form=form, status=400)


class CheckInLeaveDecisionView(CheckInPage):
    """A team leader approves or rejects on the phone: the LeaveRequest transitions.

    A team member's account has no leave request pages (its role reads by
    no pairing), so the step is taken here: the request is reached for
    reading as the transition says, and the service decides who may.
    """

    http_method_names = ["post"]

    def post(self, request, pk, transition):
        step = LeaveRequest.transitions[transition]
        leave_requests = LeaveRequest.objects.for_user(request.user, step.action)
        leave_request = get_object_or_404(leave_requests.select_related("person", "team"), pk=pk)
        form = step.form_class(request.POST, record=leave_request, user=request.user)
        status = 400
        if form.is_valid():
            try:
                step.run(leave_request, user=request.user, **form.cleaned_data)
            except PermissionDenied:
                raise Http404 from None  # not even whether it exists
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                status = 409 if isinstance(exc, TransitionNotAllowed) else 400
            else:
                messages.success(request, _("Decision recorded."))
                return self.redirect_back()
        return self.render(status=status)


def _leave_errors(exc: ValidationError) -> ValidationError:
    """The service speaks of model fields; the phone form names them start/end."""
    if not hasattr(exc, "error_dict"):
        return exc
    renamed = {"start_date": "start", "end_date": "end"}
    return ValidationError({renamed.get(k, k): v for k, v in exc.error_dict.items()})


# -- leave, mentorships, awards, care ---------------------------------------------


class LeaveRequestViews(ObjectViews):
    model = LeaveRequest
    filterset_class = LeaveRequestFilterSet
    table_class = LeaveRequestTable
    form_class = LeaveRequestForm
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
    """Who is on post today under the pairing and the pairings below it, as this user sees it.

    Counts for the whole tree; of the people, the deployments ending soon and
    the teams a first page each, with the filtered list for the rest.
    """
    user, today = request.user, timezone.localdate()
    visible = Pairing.objects.for_user(user).subtree_ids(pairing.pk)
    deployments = Deployment.objects.for_user(user, within=visible)
    on_post = deployments.filter(deployment_active_on(today))
    deployment_list = reverse("cadres:deployment_list")
    on_post_query = f"pairing={pairing.pk}&on_post_on={today:%Y-%m-%d}"
    summary = people_on_post(visible, today)
    teams = Team.objects.for_user(user, within=visible)
    return {
        "today": today,
        "on_post_query": on_post_query,
        # In the deployment list's own order, so the page is the list's first.
        "on_post": first_page(
            on_post.select_related("person", "host_organization").order_by("-start_date", "id"),
            f"{deployment_list}?{on_post_query}",
            # One deployment on post per person (Deployment.clean): counted above.
            count=summary["total"],
        ),
        "summary": summary,
        "summary_rows": _labelled_counts(summary),
        "ending_soon": first_page(
            deployments_ending_within(visible, 60, today),
            f"{deployment_list}?pairing={pairing.pk}&ending_within=60",
        ),
        "teams": first_page(
            # A count per row shown, not a GROUP BY over every team's members.
            teams.select_related("host_organization")
            .annotate(member_count=current_member_count(today))
            .order_by("-start_date", "name"),
            f"{reverse('cadres:team_list')}?pairing={pairing.pk}",
            counted=teams,
        ),
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
