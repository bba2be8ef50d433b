"""Users with a role and a pairing scope, and hashed API tokens."""

import functools
import hashlib

from django.apps import apps
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from aidtrack.core import orgscope, scoping
from aidtrack.core.models import LinkedModel
from aidtrack.core.orgscope import CachedScope, ScopeIds, organizations_sql
from aidtrack.core.subqueries import count_per_row
from aidtrack.core.writes import Writes

# Reads of pairing-scoped data: everyone but nobody. Writes depend on the role.
_READ_ROLES = {Role.ADMINISTRATOR, Role.COORDINATOR, Role.LEADER, Role.PARTNER}
# Who writes pairing-scoped records unless a model says otherwise (``write_roles``).
_SCOPED_WRITERS = frozenset({Role.COORDINATOR, Role.PARTNER})


class UserQuerySet(models.QuerySet):
    def with_scope(self, mark_only: bool = False):
        """Users that arrive with their scope (``pairing_ids_in_scope``) in the same query.

        What the request's user is loaded with (accounts.backends, token
        authentication): a scoped request then pays no query of its own for
        its scope, and a coordinator's page runs as many queries as an
        administrator's. With ``mark_only`` (the user's scope is cached), only
        the scope mark comes; ``settle_scope`` then takes the ids from the
        cache, or reads them if the mark moved since.
        """
        return self.annotate(**scope_columns(f"{self.model._meta.db_table}.id", mark_only))

    def with_unread_count(self):
        """Users with ``unread_notification_count``, the navigation bar's badge, in the same query.

        What a browser's request loads its user with (accounts.backends): the
        badge is on every page, and a query of its own was a fifth of a short
        list page's queries. The figure is the one the request began with.
        """
        return self.annotate(unread_notification_count=_unread_count())

    def for_user(self, user, action: str = scoping.VIEW):
        """Accounts are administered by administrators; others see only themselves."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_administrator:
            return self
        return self.filter(pk=user.pk) if action == scoping.VIEW else self.none()


@functools.cache
def _unread_count():
    """The badge's count as an expression, built once: building the subquery cost every
    page more than running it. ``annotate`` resolves a copy, so it is reused unchanged."""
    return count_per_row(Notification.objects.unread(), "user")


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(LinkedModel, AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.LEADER)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    organization_name = models.CharField(_("organisation"), max_length=200, blank=True)
    scope_pairings = models.ManyToManyField(
        "pairings.Pairing",
        verbose_name=_("pairing scope"),
        blank=True,
        related_name="scoped_users",
        help_text=_(
            "Pairings this user works on; each covers its descendants. "
            "Coordinators need at least one; leaders and partners without any see everything."
        ),
    )

    objects = ScopedUserManager()

    writes = Writes(save="accounts.services.user_save")
    audit_changes = True
    audit_redact = ("password",)
    scope_path = None

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    # str() from columns alone: an API list names a user (a report's reviewer) without
    # loading one (core.api_rows reads a StringRelatedField so).
    str_columns = ("full_name", "username")

    @staticmethod
    def str_of(full_name: str, username: str) -> str:
        return full_name or username

    def __str__(self):
        return self.str_of(self.full_name, self.username)

    @property
    def is_administrator(self) -> bool:
        return self.is_active and (self.is_superuser or self.role == Role.ADMINISTRATOR)

    @property
    def uses_browser(self) -> bool:
        """Partner accounts exist for systems that call the API, not for people."""
        return self.role != Role.PARTNER or self.is_superuser

    def may(self, action: str, model, *, roles: frozenset[str] | None = None) -> bool:
        """Whether this role may perform ``action`` on ``model`` at all.

        Writes follow ``roles`` when given (a transition's own), else the
        model's ``write_roles``, else the default: coordinators and partner
        systems write pairing-scoped records, nobody but administrators the
        rest. Administrators may everything. Which rows is the scope's
        business (``pairing_ids_in_scope``).
        """
        if not self.is_active:
            return False
        if self.is_administrator:
            return True
        if action == scoping.VIEW:
            return self.role in _READ_ROLES
        if roles is None:
            roles = getattr(model, "write_roles", None)
        if roles is None:
            roles = _SCOPED_WRITERS if scoping.is_pairing_scoped(model) else scoping.ADMINISTRATORS
        # Partners may write only with a write-enabled token; the API checks that.
        return self.role in roles

    def pairing_ids_in_scope(self, action: str = scoping.VIEW) -> frozenset[int] | None:
        """Ids of the scope pairings and all their descendants; None if unrestricted.

        Administrators are unrestricted. Leaders and partners without a scope
        read everything, but writing always needs an explicit scope. The
        recursive query runs once per instance, i.e. once per request.
        """
        if self.is_administrator:
            return None
        if not hasattr(self, "_scope_ids"):
            preloaded = self.__dict__.pop("preloaded_scope_ids", None)
            organizations = self.__dict__.pop("preloaded_organization_ids", None)
            self._scope_ids = (
                ScopeIds.loaded(preloaded, organizations)
                if preloaded is not None
                else _scope_with_descendants(self)
            )
        if (
            not self._scope_ids
            and action == scoping.VIEW
            and self.role
            in (
                Role.LEADER,
                Role.PARTNER,
            )
        ):
            return None
        return self._scope_ids

    def settle_scope(self, holder: str, known: CachedScope | None) -> None:
        """After loading with ``scope_columns(…, mark_only=known is not None)``: use the cached
        scope if it is current, else cache the scope that came with the user, or read it now
        if it did not come."""
        mark = self.__dict__.pop("scope_mark", None)
        if known is not None and known.mark == mark:
            self.preloaded_scope_ids = known.pairing_ids
            self.preloaded_organization_ids = known.organization_ids
            return
        if known is not None:
            # The mark moved since the scope was cached: read the scope again (one query).
            mark, self.preloaded_scope_ids, self.preloaded_organization_ids = (
                type(self)
                ._default_manager.with_scope()
                .filter(pk=self.pk)
                .values_list("scope_mark", "preloaded_scope_ids", "preloaded_organization_ids")
                .get()
            )
        if mark is not None and self.__dict__.get("preloaded_scope_ids") is not None:
            orgscope.remember_scope(
                holder, mark, self.preloaded_scope_ids, self.preloaded_organization_ids
            )

    def forget_scope(self) -> None:
        """Drop the cached scope after the user's scope pairings changed."""
        self.__dict__.pop("_scope_ids", None)
        self.__dict__.pop("preloaded_scope_ids", None)
        self.__dict__.pop("preloaded_organization_ids", None)


# Scope changes are access changes: record them like any other write.
User.scope_pairings.through.audit_changes = True


def scope_sql(user_id_sql: str) -> str:
    """The scope pairings of the user ``user_id_sql`` and every pairing below them."""
    # pairings builds on accounts, so its table is reached through the app registry.
    pairings = apps.get_model("pairings", "Pairing")._meta.db_table
    scope = User.scope_pairings.through._meta.db_table
    return f"""
        WITH RECURSIVE tree(id) AS (
            SELECT pairing_id FROM {scope} WHERE user_id = {user_id_sql}
            UNION
            SELECT child.id FROM {pairings} AS child JOIN tree ON child.parent_id = tree.id
        )
        SELECT id FROM tree
    """  # noqa: S608 - table names from model metadata; the id is a column or a parameter


def scope_columns(user_id_column: str, mark_only: bool = False) -> dict:
    """The scope of the user whose id is in ``user_id_column``, as annotations.

    ``scope_mark`` is the database's scope mark; ``preloaded_scope_ids`` the
    pairing ids in scope and ``preloaded_organization_ids`` the organisations
    (aidtrack.core.orgscope) — NULL for a user without scope pairings
    (administrators, leaders, partners reading everything): the
    organisation query would otherwise scan every organisation on each of
    their requests to find none.

    With ``mark_only`` (the scope is cached for the user), only the mark:
    nearly always it is the cached scope's and that scope is current. The ids'
    SQL is not sent then, even as a branch not taken, because PostgreSQL
    plans every branch: that planning cost each request about 2 ms, more
    than the rest of the query. When the mark has moved, ``settle_scope``
    reads the scope with a second query.
    """
    mark = {"scope_mark": RawSQL(orgscope.MARK_SQL, ())}  # noqa: S611 - no user input
    if mark_only:
        return mark
    scope = User.scope_pairings.through._meta.db_table
    organizations = organizations_sql(scope_sql(user_id_column))
    # No user input: table names from model metadata.
    return {
        **mark,
        "preloaded_scope_ids": RawSQL(f"ARRAY({scope_sql(user_id_column)})", ()),  # noqa: S611
        "preloaded_organization_ids": RawSQL(  # noqa: S611
            f"CASE WHEN EXISTS (SELECT 1 FROM {scope} WHERE user_id = {user_id_column})"  # noqa: S608
            f" THEN ARRAY({organizations}) END",
            (),
        ),
    }


def _scope_with_descendants(user: "User") -> frozenset[int]:
    """One recursive query from the user's scope pairings down."""
    with connection.cursor() as cursor:
        cursor.execute(scope_sql("%s"), [user.pk])
        return frozenset(row[0] for row in cursor.fetchall())


def hash_token(key: str) -> str:
    # Keys are 256 random bits, so a fast hash is enough: there is nothing to
    # brute-force. The point is that a database leak does not leak usable keys.
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    # The first characters of the key, shown in lists so a token can be recognised.
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    can_write = models.BooleanField(_("may write"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    audit_changes = True
    audit_redact = ("digest",)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        """The notifications the badge counts."""
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A message for one user in the app (reminders, decisions), shown with a badge."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.CharField(_("message"), max_length=500)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The email copy, sent by a task after the commit (accounts.tasks); until
    # it has gone out the row says so, so a lost message or a mail server that
    # is down only delays it.
    email_subject = models.CharField(_("email subject"), max_length=200, blank=True)
    email_due = models.BooleanField(_("email due"), default=False)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(
                fields=["id"], condition=models.Q(email_due=True), name="notification_email_due"
            ),
        ]

    def __str__(self):
        return self.message
