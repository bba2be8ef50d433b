from django import forms
from django.utils.translation import gettext_lazy as _

from aidtrack.core import scoping
from aidtrack.core.forms import PayloadForm, ScopedModelForm, bootstrap
from cadres.choices import CheckInSlot, CheckInState, DeploymentStatus
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
from cadres.selectors import current_team_memberships
from pairings.models import Pairing

_KEEP = _("Leave empty to keep the current value (%(masked)s).")


class PersonForm(ScopedModelForm):
    """ID number and phone are never sent back to the browser, even when editing."""

    class Meta:
        model = Person
        fields = [
            "name",
            "gender",
            "birth_date",
            "ethnicity",
            "political_status",
            "education",
            "id_number",
            "phone",
            "category",
            "specialty",
            "title",
            "rank",
            "home_organization",
            "user",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.user.is_administrator:
            # Accounts are administered by administrators, who link them here.
            del self.fields["user"]
        self.fields["home_organization"].queryset = self.fields[
            "home_organization"
        ].queryset.select_related("region")
        if self.instance.pk is not None:
            for name, masked in (
                ("id_number", self.instance.masked_id_number),
                ("phone", self.instance.masked_phone),
            ):
                self.initial[name] = ""
                self.fields[name].required = False
                self.fields[name].help_text = _KEEP % {"masked": masked or "—"}

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            for name in ("id_number", "phone"):
                if not cleaned.get(name):
                    # Empty means unchanged: restore the stored value before validation.
                    stored = Person.objects.filter(pk=self.instance.pk).values_list(name, flat=True)
                    cleaned[name] = stored.first() or ""
        return cleaned


class RevealForm(forms.Form):
    field = forms.ChoiceField(label=_("field"), choices=PersonalDataReveal.Field.choices)
    reason = forms.CharField(
        label=_("reason"),
        max_length=300,
        help_text=_("Recorded with your name and the time."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            bootstrap(field)


class DeploymentForm(ScopedModelForm):
    """Status and actual end are set by the start/end/extend actions, not here."""

    class Meta:
        model = Deployment
        fields = [
            "person",
            "pairing",
            "direction",
            "kind",
            "host_organization",
            "post",
            "start_date",
            "planned_end_date",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pairing"].queryset = self.fields["pairing"].queryset.select_related(
            *Pairing.name_related()
        )
        if self.instance.pk is not None and self.instance.status != DeploymentStatus.PLANNED:
            # The planned end moves only through an extension, which is recorded.
            self.fields["planned_end_date"].disabled = True


class StartForm(PayloadForm):
    on = forms.DateField(label=_("arrived on"), widget=forms.DateInput)


class CompleteForm(PayloadForm):
    on = forms.DateField(label=_("returned on"), widget=forms.DateInput)
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


class RecallForm(PayloadForm):
    on = forms.DateField(label=_("recalled on"), widget=forms.DateInput)
    reason = forms.CharField(label=_("reason"), max_length=300)


class ExtendForm(PayloadForm):
    new_end = forms.DateField(label=_("new planned end"), widget=forms.DateInput)
    reason = forms.CharField(label=_("reason"), max_length=300)
    approval_reference = forms.CharField(label=_("approval reference"), max_length=100)


class TeamForm(ScopedModelForm):
    class Meta:
        model = Team
        fields = ["pairing", "kind", "name", "host_organization", "start_date", "end_date", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pairing"].queryset = self.fields["pairing"].queryset.select_related(
            *Pairing.name_related()
        )


class TeamMemberForm(ScopedModelForm):
    class Meta:
        model = TeamMember
        fields = ["team", "person", "role", "subgroup", "joined_on", "left_on"]


class CheckInForm(ScopedModelForm):
    class Meta:
        model = CheckIn
        fields = ["person", "date", "slot", "state", "note"]


class LeaveRequestForm(ScopedModelForm):
    """Status and decision are set by the approve/reject actions."""

    class Meta:
        model = LeaveRequest
        fields = ["person", "team", "start_date", "end_date", "reason"]


class MentorshipForm(ScopedModelForm):
    class Meta:
        model = Mentorship
        fields = ["mentor", "subject", "apprentices", "goals", "start_date", "end_date"]
        widgets = {"apprentices": forms.Textarea(attrs={"rows": 4})}


class AwardForm(ScopedModelForm):
    class Meta:
        model = Award
        fields = ["person", "title", "level", "year", "issuer", "notes"]


class CareRecordForm(ScopedModelForm):
    class Meta:
        model = CareRecord
        fields = ["person", "kind", "date", "note", "follow_up_date"]


class LeaveDecisionForm(PayloadForm):
    comment = forms.CharField(label=_("comment"), max_length=300, required=False)


class CheckInTapForm(forms.Form):
    """One tap on the phone page: a slot and a state, perhaps for someone else.

    The big buttons send both at once as ``tap=<slot>:<state>``, so the page
    needs no JavaScript; the members' board sends ``person``, ``slot`` and
    ``state``. ``person`` empty means oneself; the page looks the id up in
    the user's scope, so someone out of reach is a 404, not a form error.
    """

    person = forms.IntegerField(required=False)
    tap = forms.CharField(required=False)
    slot = forms.ChoiceField(choices=CheckInSlot.choices, required=False)
    state = forms.ChoiceField(choices=CheckInState.choices, required=False)
    note = forms.CharField(max_length=300, required=False)

    def clean(self):
        cleaned = super().clean()
        slot, _sep, state = (cleaned.get("tap") or "").partition(":")
        cleaned["slot"] = slot or cleaned.get("slot")
        cleaned["state"] = state or cleaned.get("state")
        if cleaned["slot"] not in CheckInSlot.values or cleaned["state"] not in CheckInState.values:
            raise forms.ValidationError(_("Choose a slot and a state."))
        return cleaned


class OwnLeaveForm(forms.Form):
    """A member's own leave request from the phone page, for one of their current teams."""

    team = forms.ModelChoiceField(label=_("team"), queryset=Team.objects.none())
    start = forms.DateField(label=_("first day"), widget=forms.DateInput)
    end = forms.DateField(label=_("last day"), widget=forms.DateInput)
    reason = forms.CharField(label=_("reason"), max_length=300)

    def __init__(self, data=None, *, user, person, **kwargs):
        super().__init__(data, **kwargs)
        current = current_team_memberships(person).values("team")
        teams = Team.objects.for_user(user, scoping.VIEW).filter(pk__in=current).order_by("name")
        self.fields["team"].queryset = teams
        if len(teams) == 1:  # nothing to choose: the page shows no drop-down
            self.fields["team"].widget = forms.HiddenInput()
            self.initial["team"] = teams[0].pk
        for field in self.fields.values():
            bootstrap(field)
