"""Base model, scoped querysets and the change history every record shares."""

import copy
from collections.abc import Iterable
from typing import ClassVar

import orjson
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aidtrack.core import natural_keys, scoping, summaries
from aidtrack.core.audit import current_actor
from aidtrack.core.files import upload_path

# Each byte of a document as "0" for a digit, " " for anything else: a run of 19 digits
# (an integer that may pass 64 bits, which orjson would read as a float) is then one
# substring test, where a regular expression took longer than json itself.
_DIGITS_AS_ZEROS = bytes(ord("0") if 0x30 <= byte <= 0x39 else ord(" ") for byte in range(256))
_LONG_NUMBER = b"0" * 19


class OrjsonField(models.JSONField):
    """A JSONField whose stored documents are read with orjson where it reads them exactly.

    An assessment's figures and tiles (7 KB a summary) are read for every row of its
    API list: 500 summaries took 29 ms of json.loads, 16 ms here. A document with a
    run of 19 digits (an integer orjson would turn into a float) or that orjson
    refuses (NaN) is read by json as before, and a field with a decoder of its own
    keeps it.
    """

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str) and self.decoder is None:
            raw = value.encode()
            if _LONG_NUMBER not in raw.translate(_DIGITS_AS_ZEROS):
                try:
                    return orjson.loads(raw)
                except orjson.JSONDecodeError:
                    pass
        return super().from_db_value(value, expression, connection)


class ScopedQuerySet(models.QuerySet):
    def for_user(self, user, action: str = scoping.VIEW, *, within=None):
        """Only the rows ``user`` may perform ``action`` on (see core.scoping), and of the
        pairings ``within`` only, when given."""
        return scoping.restrict(self, user, action, within)


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

    def get_download_url(self):
        """The page that hands out the record's file (models with a file field)."""
        return reverse(self.url_name("download"), args=[self.pk])

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
    # Fields that count in yearly figures (see core.summaries); empty: the row counts nowhere.
    summary_fields: ClassVar[tuple[str, ...]] = ()
    # Whether a new row changes figures (a new pairing has no records yet).
    announces_creation: ClassVar[bool] = True

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.stamp_authorship() and kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_by"}
        announced = self._counted_changes()
        super().save(*args, **kwargs)
        if announced is not None:
            summaries.announce(announced | set(self.summary_keys()))
        self._remember_counted()

    def stamp_authorship(self) -> bool:
        """Name the current actor as the row's last author (and its creator, if new).

        Authorship comes from the audit context (request, task or command), so
        no write path has to remember to pass the user along. ``save()`` calls
        this; a bulk write, which bypasses ``save()``, calls it on each row.
        False when no actor is known (the row keeps what it had).
        """
        actor = current_actor.get()
        if actor is None or actor.user_id is None:
            return False
        if self._state.adding and self.created_by_id is None:
            self.created_by_id = actor.user_id
        self.updated_by_id = actor.user_id
        return True

    def full_clean(self, *args, **kwargs):
        try:
            super().full_clean(*args, **kwargs)
        except ValidationError as exc:
            # A natural key's duplicate names the record it duplicates (core.natural_keys).
            raise natural_keys.refine(self, exc) from None

    def delete(self, *args, **kwargs):
        counted = set(self.summary_keys()) if self.summary_fields else set()
        result = super().delete(*args, **kwargs)
        summaries.announce(counted)
        return result

    @classmethod
    def from_db(cls, db, field_names, values):
        record = super().from_db(db, field_names, values)
        record._remember_counted()
        return record

    def summary_keys(self) -> Iterable[tuple[int, int]]:
        """The (pairing id, year) pairs whose yearly figures this row counts in."""
        return ()

    # -- what was loaded, to see what a save changes ---------------------------------
    def _counted_values(self) -> dict:
        """Field name → value of the counted fields loaded on this instance (no query)."""
        values = {}
        for name in self.summary_fields:
            attname = self._meta.get_field(name).attname
            if attname in self.__dict__:  # deferred fields are not read here
                values[name] = self.__dict__[attname]
        return values

    def _remember_counted(self) -> None:
        if self.summary_fields:
            self._loaded_counted = self._counted_values()

    def _counted_changes(self) -> set[tuple[int, int]] | None:
        """None when the save changes nothing that counts; else the pairs counted before.

        The pairs before come from the values loaded with the row (a copy of
        the row with those values), not from reading it again. A row that was
        never loaded (built with its id) is read once.
        """
        if not self.summary_fields:
            return None
        if self._state.adding:
            return set() if self.announces_creation else None
        loaded = getattr(self, "_loaded_counted", None)
        if loaded is None:
            stored = type(self)._base_manager.filter(pk=self.pk).first()
            return set(stored.summary_keys()) if stored else set()
        current = self._counted_values()
        changed = {name for name in loaded.keys() & current.keys() if loaded[name] != current[name]}
        if not changed:
            return None
        before = copy.copy(self)
        before._state = copy.copy(self._state)
        # Relations cached for the new values must not stand for the old ones.
        before._state.fields_cache = {
            name: value for name, value in self._state.fields_cache.items() if name not in changed
        }
        for name in changed:
            setattr(before, self._meta.get_field(name).attname, loaded[name])
        return set(before.summary_keys())


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
        IMPORT = "import", _("Spreadsheet import")
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


class FeedEntry(models.Model):
    """A created, changed or deleted record of an API resource; written by triggers (core.feed)."""

    txid = models.BigIntegerField(_("transaction"))
    time = models.DateTimeField(_("time"))
    resource = models.CharField(_("resource"), max_length=40)
    object_id = models.BigIntegerField(_("record"))
    action = models.CharField(_("action"), max_length=10, choices=ChangeRecord.Action.choices)
    # The pairings whose scope held the record before and after the change;
    # NULL for reference data everyone reads.
    scope_before = ArrayField(models.BigIntegerField(), null=True)
    scope_after = ArrayField(models.BigIntegerField(), null=True)

    class Meta:
        verbose_name = _("change feed entry")
        verbose_name_plural = _("change feed")
        indexes = [
            # The feed reads in commit order from a position: (txid, id) > (t, i).
            models.Index(fields=["txid", "id"], name="feed_position_idx"),
            # Pruning by age.
            models.Index(fields=["time"], name="feed_time_idx"),
        ]

    def __str__(self):
        return f"{self.resource}#{self.object_id} {self.action} (transaction {self.txid})"


class FeedState(models.Model):
    """The one row of feed bookkeeping: what pruning removed and how scopes moved."""

    # Entries of transactions below this were pruned: an older cursor must resync.
    pruned_below = models.BigIntegerField(default=0)
    # Raised when a pairing's sides change (which organisations it covers).
    scope_version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"pruned below {self.pruned_below}, scope version {self.scope_version}"


class ScopeGeneration(models.Model):
    """The slots whose sum names the present state of every user's scope (core.orgscope).

    Triggers give a slot a new ``generation`` whenever something a scope
    covers may have changed (a user's scope pairings, the pairing tree and
    sides, an organisation's region, a region's path). ``epoch`` is drawn
    when the database is created, so two databases sharing a cache never
    mistake one's scopes for the other's.
    """

    generation = models.BigIntegerField(default=0)
    epoch = models.UUIDField()

    def __str__(self):
        return f"{self.epoch}:{self.generation}"


class IdempotencyKey(models.Model):
    """The first response to an API POST sent with an ``Idempotency-Key`` (core.idempotency).

    Written in the same transaction as the write the POST made, so the two
    commit or vanish together; kept ``IDEMPOTENCY_KEY_TTL`` hours.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.TextField(_("path"))
    request_hash = models.CharField(_("request hash"), max_length=64)
    status = models.PositiveSmallIntegerField(_("response status"))
    response_body = models.BinaryField(_("response body"))
    response_headers = models.JSONField(_("response headers"), default=dict)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    completed_at = models.DateTimeField(_("completed at"))

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.method} {self.path} [{self.key}]"


class ImportJobQuerySet(models.QuerySet):
    def for_user(self, user):
        """A job is its importer's; administrators see every job."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self if user.is_administrator else self.filter(created_by=user)


class ImportJob(models.Model):
    """One spreadsheet brought in: checked (a dry run), then committed or cancelled.

    The file is stored with the job, so the commit reads exactly what was
    checked and the history can hand it out again. The change records of the
    rows it wrote carry the source ``import`` and the request id ``import-<id>``.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        CHECKING = "checking", _("checking")
        CHECKED = "checked", _("checked, awaiting confirmation")
        INVALID = "invalid", _("has errors")
        REFUSED = "refused", _("file refused")
        COMMITTING = "committing", _("committing")
        # Its own context: "committed" of funds is 已下达 (allocated), of an import 已导入.
        COMMITTED = "committed", pgettext_lazy("import status", "committed")
        FAILED = "failed", _("failed, nothing committed")
        CANCELLED = "cancelled", _("cancelled")

    model = models.CharField(_("record type"), max_length=100)
    # Checked by the reader (imports.reading: xlsx or csv, bounded), not validate_upload.
    file = models.FileField(_("file"), upload_to=upload_path, max_length=300)
    file_name = models.CharField(_("file name"), max_length=200)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    message = models.TextField(_("message"), blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    counts = models.JSONField(_("counts"), default=dict)
    errors = models.JSONField(_("errors"), default=list)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    changes = models.JSONField(_("changes"), default=list)
    # Counts of the records the rows carried besides their own (a roster's deployments).
    companion_counts = models.JSONField(_("companion counts"), default=dict)
    ignored_columns = models.JSONField(_("ignored columns"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    check_seconds = models.FloatField(_("check time (s)"), null=True, blank=True)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)
    commit_seconds = models.FloatField(_("commit time (s)"), null=True, blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def request_id(self) -> str:
        """The request id of the change records this import writes."""
        return f"import-{self.pk}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.CHECKING, self.Status.COMMITTING)

    @property
    def can_commit(self) -> bool:
        return self.status == self.Status.CHECKED and not self.cancel_requested

    @property
    def can_cancel(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.CHECKING, self.Status.CHECKED)
