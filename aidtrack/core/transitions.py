"""Status transitions: one table per model, read by pages, the API, buttons and services.

A model declares what may happen to its records::

    class Project(BaseModel):
        transitions = TransitionTable(
            Transition(
                "approve", _("Approve project"),
                sources=(ProjectStatus.PLANNED,), target=ProjectStatus.APPROVED,
                service="projects.services.project_approve",
                form="projects.forms.NoInputForm",
            ),
            …
        )

From that table:

* ``ObjectViews.urls()`` adds ``<plural>/<pk>/<transition>/`` (a small form,
  then the service) and the detail page offers a button per transition the
  user may run on the record in its present status;
* ``ScopedModelViewSet`` adds ``POST /api/v1/<resource>/{id}/<transition>/``,
  validating the body with the same form;
* the service begins with ``Model.transitions.begin(record, "approve")``: it
  locks the row and refuses (``TransitionNotAllowed``: 409 in the API) when
  the status is not one of the transition's sources. That is the only place
  source statuses are checked.

A service is called as ``service(record, *, user, **form.cleaned_data)``.
Forms and services are named by dotted path because both import the model.
"""

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from aidtrack.core import scoping


class TransitionNotAllowed(ValidationError):
    """The record's present state does not allow the step (wrong status, already done)."""


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    # The statuses it starts from; None: no status precondition (the service decides).
    sources: tuple[str, ...] | None
    # The status it leads to (documentation and the API description).
    target: str | None
    # ``service(record, *, user, **payload)``, dotted path.
    service: str
    # The payload: a ``core.forms.PayloadForm`` subclass, dotted path.
    form: str = "aidtrack.core.forms.PayloadForm"
    # The scoping action the record is reached with; VIEW where the service
    # itself decides who may (a team leader deciding leave).
    action: str = scoping.CHANGE
    # Roles besides administrators that may run it; None: the model's writers.
    roles: frozenset[str] | None = None
    # One sentence for the API documentation.
    help_text: str = ""
    # The name of a record method that says why the step is not possible
    # beyond the status (an entry already reversed), or returns None.
    refusal: str | None = None
    # ``guard(user, record) -> bool``, dotted path: who may run it on this record
    # beyond the role (a team's leader deciding its leave). The service
    # enforces it; ``offered`` asks it so nobody sees a button they may not use.
    guard: str | None = None
    # Whether the step answers a new record (201), as a reversal does, not the record itself.
    creates: bool = False

    @cached_property
    def form_class(self):
        return import_string(self.form)

    @cached_property
    def service_function(self):
        return import_string(self.service)

    def permitted(self, user, model) -> bool:
        """Whether the user's role may run this step at all (scope is for_user's business)."""
        return user.may(self.action, model, roles=self.roles)

    def guarded(self, user, record) -> bool:
        return self.guard is None or import_string(self.guard)(user, record)

    def allows(self, record) -> bool:
        return self.refused_because(record) is None

    def refused_because(self, record) -> str | None:
        if self.sources is not None and record.status not in self.sources:
            return _("“%(step)s” is not possible while the record is “%(status)s”.") % {
                "step": self.label,
                "status": record.get_status_display(),
            }
        return getattr(record, self.refusal)() if self.refusal else None

    def run(self, record, *, user, **payload):
        return self.service_function(record, user=user, **payload)


class TransitionTable:
    def __init__(self, *transitions: Transition):
        self._by_name = {transition.name: transition for transition in transitions}

    def __iter__(self):
        return iter(self._by_name.values())

    def __bool__(self):
        return bool(self._by_name)

    def __contains__(self, name):
        return name in self._by_name

    def __getitem__(self, name) -> Transition:
        return self._by_name[name]

    def offered(self, record, user) -> list[Transition]:
        """The buttons of a record: steps its status allows and the user's role may run."""
        model = type(record)
        return [
            t
            for t in self
            if t.allows(record) and t.permitted(user, model) and t.guarded(user, record)
        ]

    def begin(self, record, name: str):
        """The record, locked until the transaction ends, once its status allows ``name``.

        Call inside the service's transaction: two steps on one record then
        run one after the other, and the second sees the first's status.
        """
        locked = type(record)._default_manager.select_for_update().get(pk=record.pk)
        reason = self[name].refused_because(locked)
        if reason is not None:
            raise TransitionNotAllowed(reason, code="conflict")
        return locked


NO_TRANSITIONS = TransitionTable()


def transitions_of(model) -> TransitionTable:
    return getattr(model, "transitions", None) or NO_TRANSITIONS
