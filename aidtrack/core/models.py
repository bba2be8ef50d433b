"""Base model, scoped querysets and the change history every record shares."""

from collections.abc import Iterable
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from aidtrack.core import scoping, summaries
from aidtrack.core.audit import current_actor


class ScopedQuerySet(models.QuerySet):
    def for_user(self, user, action: str = scoping.VIEW):
        """Only the rows ``user`` may perform ``action`` on (see core.scoping)."""
        return scoping.restrict(self, user, action)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass


class LinkedModel(models.Model):
    """URL names follow ``<app>:<model>_<action>`` (see ObjectViews.urls)."""

    class Meta:
        abstract = True

    def get_absolute_url(self):
        try:
            return reverse(self.url_name("detail"), args=[self.pk])
        except NoReverseMatch:
            return None

    @classmethod
    def url_name(cls, action: str) -> str:
        return f"{cls._meta.app_label}:{cls._meta.model_name}_{action}"


class BaseModel(LinkedModel):
    """Timestamps, authorship, scoping and audited changes for every record."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, editable=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )

    objects = ScopedManager()

    scope_path: ClassVar[str | None] = None
    audit_changes: ClassVar[bool] = True

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # Authorship comes from the audit context (request, task or command),
        # so no write path has to remember to pass the user along.
        actor = current_actor.get()
        if actor is not None and actor.user_id is not None:
            if self._state.adding and self.created_by_id is None:
                self.created_by_id = actor.user_id
            self.updated_by_id = actor.user_id
            if "update_fields" in kwargs and kwargs["update_fields"] is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "updated_by"}
        counted_before = self._stored_summary_keys()
        super().save(*args, **kwargs)
        self._announce(counted_before | set(self.summary_keys()))

    def delete(self, *args, **kwargs):
        counted = set(self.summary_keys())
        result = super().delete(*args, **kwargs)
        self._announce(counted)
        return result

    def summary_keys(self) -> Iterable[tuple[int, int]]:
        """The (pairing id, year) pairs whose yearly figures this row counts in.

        Rows that feed summaries (deployments, projects, transactions …)
        override this; saving or deleting them announces the pairs, before
        and after the change, through ``aidtrack.core.summaries``. Bulk
        writes bypass it and are caught by the nightly refresh.
        """
        return ()

    def _counts_in_summaries(self) -> bool:
        return type(self).summary_keys is not BaseModel.summary_keys

    def _stored_summary_keys(self) -> set[tuple[int, int]]:
        """What the row counted for as stored, so a move to another pairing or year is seen."""
        if self._state.adding or self.pk is None or not self._counts_in_summaries():
            return set()
        stored = type(self)._base_manager.filter(pk=self.pk).first()
        return set(stored.summary_keys()) if stored else set()

    @staticmethod
    def _announce(keys) -> None:
        for pairing_id, year in keys:
            if pairing_id and year:
                summaries.changed(pairing_id, year)


class ChangeRecordQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(table_name=obj._meta.db_table, object_id=str(obj.pk))


class ChangeRecord(models.Model):
    """One row per created, changed or deleted record; written by triggers."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")

    class Source(models.TextChoices):
        WEB = "web", _("Web page")
        API = "api", _("API")
        ADMIN = "admin", _("Administration")
        COMMAND = "command", _("Command")
        TASK = "task", _("Background task")
        SQL = "sql", _("Direct database change")

    time = models.DateTimeField(_("time"), db_index=True)
    table_name = models.CharField(_("table"), max_length=100)
    object_id = models.CharField(_("record"), max_length=64)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    changes = models.JSONField(_("changes"))
    # No database constraint: history must never block deleting a user, and
    # the trigger writes the id the database was told, whatever happens later.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.DO_NOTHING,
        null=True,
        db_constraint=False,
        related_name="+",
    )
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)

    objects = ChangeRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("change record")
        verbose_name_plural = _("change history")
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["table_name", "object_id", "-time"])]

    def __str__(self):
        return f"{self.table_name}#{self.object_id} {self.action} @ {self.time:%Y-%m-%d %H:%M}"
