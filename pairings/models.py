"""Administrative regions and the pairings between helping and helped sides."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aidtrack.core import copies, orgscope
from aidtrack.core.files import UPLOAD_HELP, upload_path, validate_upload
from aidtrack.core.indexes import trigram_index
from aidtrack.core.models import BaseModel, LinkedModel, ScopedManager, ScopedQuerySet
from pairings.choices import (
    OrganizationKind,
    PairingLevel,
    PairingStatus,
    Programme,
    RegionLevel,
)
from pairings.validators import validate_credit_code


class Region(LinkedModel):
    """A national administrative division (GB/T 2260 / statistical codes).

    Reference data loaded by ``manage.py load_regions`` from a versioned file;
    it is not audited row by row because the file is its history.
    """

    code = models.CharField(_("code"), max_length=9, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # "广东省 › 中山市 › 南区街道": denormalised at load time so lists and
    # searches need no recursive joins.
    full_name = models.CharField(_("full name"), max_length=300)
    # The ids from the province down to this region, kept by a database
    # trigger (migration 0003) whatever writes the row: "inside one of these
    # regions" is then one GIN lookup (``path && ARRAY[...]``) instead of a
    # prefix match per region, which is what scopes ask for most.
    path = ArrayField(
        models.BigIntegerField(), verbose_name=_("path"), default=list, editable=False
    )
    # Where the map draws the region (WGS-84 degrees): filled from a registry package by
    # ``manage.py load_region_coordinates``; a region the package lacks (a township, a
    # county created after it) takes its parent's, so a record is drawn at its county.
    longitude = models.FloatField(_("longitude"), null=True, blank=True, editable=False)
    latitude = models.FloatField(_("latitude"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = ScopedManager()
    scope_path = None
    # A sheet names a region by its code or its full name (贵州省六盘水市水城区).
    import_lookups = ("code", "full_name")
    # Chosen by name or code (core.references); filters take the code.
    suggest_fields = ("code", "full_name")
    suggest_values = ("code",)

    @classmethod
    def import_candidates(cls, queryset, wanted):
        """The regions a sheet's cells may name: a full name ends with the region's own name."""
        own_names = {
            cell[-length:] for cell in wanted for length in range(2, min(len(cell), 12) + 1)
        }
        return queryset.filter(Q(code__in=wanted) | Q(name__in=own_names))

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        indexes = [GinIndex(fields=["path"], name="region_path_gin")]

    def __str__(self):
        return self.name

    @property
    def suggest_label(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """Code and full name, as typed and shown in region pickers."""
        return f"{self.code} {self.full_name}"

    SEPARATOR = " › "

    def subtree_q(self, lookup: str = "") -> Q:
        """Matches this region and every region inside it, through ``lookup``."""
        prefix = f"{lookup}__" if lookup else ""
        return Q(**{f"{prefix}full_name": self.full_name}) | Q(
            **{f"{prefix}full_name__startswith": self.full_name + self.SEPARATOR}
        )

    def is_within(self, other: "Region") -> bool:
        """Whether this region is ``other`` or lies inside it."""
        return self.full_name == other.full_name or self.full_name.startswith(
            other.full_name + Region.SEPARATOR
        )


# ``Organization.scope_q`` as the change feed's scope keys (core.feed): the
# pairings covering an organisation. The two are compared row by row in
# tests/core/test_feed.py.
ORGANIZATION_KEYS_SQL = """ARRAY(
    SELECT side.id FROM pairings_pairing AS side, pairings_region AS region
     WHERE region.id = {row}.region_id
       AND (side.helping_region_id = ANY(region.path) OR side.helped_region_id = ANY(region.path))
    UNION
    SELECT side.id FROM pairings_pairing AS side
     WHERE side.helping_organization_id = {row}.id OR side.helped_organization_id = {row}.id
)"""


class Organization(BaseModel):
    """A unit on either side: a government body, town, school, hospital, enterprise …"""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="organizations"
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, optional; the check character is verified."),
    )
    notes = models.TextField(_("notes"), blank=True)

    # A sheet names an organisation by its unified social credit code or its name.
    import_lookups = ("credit_code", "name")
    suggest_fields = ("name", "credit_code")
    suggest_related = ("region",)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "id"]
        # Found by any part of the name or code (the list's q, the navbar's search).
        indexes = [
            trigram_index("name", "organization_name_trgm"),
            trigram_index("credit_code", "organization_credit_code_trgm"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="organization_unique_credit_code",
                violation_error_message=_(
                    "Another organisation already has this unified social credit code."
                ),
            ),
            models.UniqueConstraint(
                fields=["name", "region"],
                name="organization_unique_name_in_region",
                violation_error_message=_("This region already has an organisation of this name."),
            ),
        ]

    # str() from columns alone (core.export_rows, core.api_rows): the name.
    str_columns = ("name",)

    @staticmethod
    def str_of(name: str) -> str:
        return name

    def __str__(self):
        return self.str_of(self.name)

    @property
    def suggest_label(self) -> str:
        """Name and region: two schools of one name stay apart in a picker."""
        return f"{self.name}（{self.region.name}）"

    def clean_fields(self, exclude=None):
        # Codes are often typed in lower case; validate what will be stored.
        self.credit_code = self.credit_code.strip().upper()
        super().clean_fields(exclude)

    # The change feed's scope (core.feed): every pairing covering the organisation.
    scope_keys_sql = ORGANIZATION_KEYS_SQL

    @classmethod
    def scope_q(cls, pairing_ids) -> Q:
        """Organisations in the regions of the user's pairings, or on one of their sides."""
        return cls.in_scope_q("pk", pairing_ids)

    @staticmethod
    def in_scope_q(path: str, pairing_ids) -> Q:
        """``path`` (a lookup to an organisation id) is one of ``scope_q``'s organisations.

        By aidtrack.core.orgscope: the ids loaded with the user when
        ``pairing_ids`` is the user's scope, as one array of literal ids
        (``__any_id``: the planner sees how few they are, and 2,000 ids cost
        one parameter, not 2,000), else a subquery run with the list it filters.
        """
        loaded = getattr(pairing_ids, "organizations", None)
        if loaded:
            return Q(**{f"{path}__any_id": loaded})
        if loaded is not None:
            # None at all: still a query (``__in=[]`` would skip it), so a page
            # of such a user runs the queries an administrator's does.
            none = RawSQL("SELECT NULL::bigint WHERE false", ())  # noqa: S611 - constant
            return Q(**{f"{path}__in": none})
        ids = sorted(pairing_ids)
        sql = orgscope.organizations_sql("SELECT unnest(%s::bigint[])")
        return Q(**{f"{path}__in": RawSQL(sql, [ids, ids])})  # noqa: S611 - ids are parameters


class PairingQuerySet(ScopedQuerySet):
    def subtree_ids(self, root_id: int) -> frozenset[int]:
        """``root_id`` and the pairings below it, among these rows.

        ``Pairing.objects.for_user(user).subtree_ids(pk)``: what a page of a
        pairing shows "with the pairings below it", as this user may see it.
        """
        tree = type(self)(self.model).descendant_ids([root_id])
        return frozenset(self.filter(pk__any_id=tree).values_list("pk", flat=True))

    def descendant_ids(self, root_ids) -> frozenset[int]:
        """``root_ids`` and the ids of every pairing below them, in one recursive query."""
        root_ids = list(root_ids)
        if not root_ids:
            return frozenset()
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH RECURSIVE tree(id) AS (
                    SELECT id FROM {table} WHERE id = ANY(%s)
                    UNION
                    SELECT child.id FROM {table} AS child JOIN tree ON child.parent_id = tree.id
                )
                SELECT id FROM tree
                """,  # noqa: S608 - the table name comes from model metadata
                [root_ids],
            )
            return frozenset(row[0] for row in cursor.fetchall())


class Pairing(BaseModel):
    """A helping side paired with a helped side under a programme.

    Reassignments end a pairing and start a new one; history is never
    overwritten.
    """

    helping_region = models.ForeignKey(
        Region,
        verbose_name=_("helping side"),
        on_delete=models.PROTECT,
        related_name="pairings_helping",
    )
    helped_region = models.ForeignKey(
        Region,
        verbose_name=_("helped side"),
        on_delete=models.PROTECT,
        related_name="pairings_helped",
    )
    # Institution pairings (school ↔ school, hospital ↔ hospital) name the units too.
    helping_organization = models.ForeignKey(
        Organization,
        verbose_name=_("helping organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pairings_helping",
    )
    helped_organization = models.ForeignKey(
        Organization,
        verbose_name=_("helped organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pairings_helped",
    )
    programme = models.CharField(_("programme"), max_length=20, choices=Programme.choices)
    level = models.CharField(_("level"), max_length=20, choices=PairingLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent pairing"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PairingStatus.choices, default=PairingStatus.ACTIVE
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = PairingQuerySet.as_manager()

    scope_path = ""  # a pairing is its own scope
    # Chosen by the names of its sides: "中山 六盘水" (core.references).
    suggest_fields = (
        "helping_region__full_name",
        "helped_region__full_name",
        "helping_organization__name",
        "helped_organization__name",
    )
    suggest_related = (
        "helping_region",
        "helped_region",
        "helping_organization",
        "helped_organization",
    )
    # Moved under another parent, its records leave the old ancestors' figures
    # and join the new ones'; a new pairing has no records yet.
    summary_fields = ("parent",)
    announces_creation = False

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        # No joins in the default ordering: it applies to every query, including
        # Django's own (scope sets, deletes). Lists order by region codes.
        ordering = ["start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="pairing_end_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=~Q(helping_region=F("helped_region")),
                name="pairing_sides_differ",
                violation_error_message=_("A region cannot be paired with itself."),
            ),
            models.UniqueConstraint(
                fields=[
                    "helping_region",
                    "helped_region",
                    "helping_organization",
                    "helped_organization",
                    "programme",
                ],
                condition=Q(status=PairingStatus.ACTIVE),
                nulls_distinct=False,
                name="pairing_unique_active",
                violation_error_message=_(
                    "An active pairing between these two sides under this programme already exists."
                ),
            ),
        ]

    # The related rows __str__ reads (either side may be an organisation). A list page
    # reads them for its page's pairings in a query of their own (core.tables.names_read_apart).
    NAME_RELATED = (
        "helping_region",
        "helped_region",
        "helping_organization",
        "helped_organization",
    )

    # How people expect pairings listed: by the sides' division codes, then by date.
    # (Not Meta.ordering: that would join regions into every query.)
    DISPLAY_ORDER = ("helping_region__code", "helped_region__code", "start_date")

    @classmethod
    def name_related(cls, prefix: str = "") -> tuple[str, ...]:
        """``select_related`` paths that let ``str()`` of pairings at ``prefix`` run no query."""
        return tuple(f"{prefix}__{name}" if prefix else name for name in cls.NAME_RELATED)

    def __str__(self):
        helping = self.helping_organization or self.helping_region
        helped = self.helped_organization or self.helped_region
        return f"{helping} → {helped}"

    SIDE_FIELDS = (
        "helping_region",
        "helping_organization",
        "helped_region",
        "helped_organization",
        "programme",
    )

    def summary_keys(self):
        """The parent's figures for every year the pairing ran (they include this pairing's)."""
        if self.parent_id and self.start_date:
            last = (self.end_date or timezone.localdate()).year
            for year in range(self.start_date.year, last + 1):
                yield self.parent_id, year

    def clean(self):
        errors = {}
        self._clean_sides_unchanged(errors)
        self._clean_organizations(errors)
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date cannot be before the start date.")
        if self.parent_id is not None:
            parent = self.parent
            if self.pk is not None and parent.is_descendant_of_or_same(self):
                errors["parent"] = _("A pairing cannot be its own ancestor.")
            elif self.helping_region_id and self.helped_region_id:
                if not self.helping_region.is_within(parent.helping_region):
                    errors["helping_region"] = _(
                        "The helping side must lie within the parent pairing's "
                        "helping side (%(parent)s)."
                    ) % {"parent": parent.helping_region.full_name}
                if not self.helped_region.is_within(parent.helped_region):
                    errors["helped_region"] = _(
                        "The helped side must lie within the parent pairing's "
                        "helped side (%(parent)s)."
                    ) % {"parent": parent.helped_region.full_name}
            if self.start_date and self.start_date < parent.start_date:
                errors["start_date"] = _(
                    "The start date must be within the parent pairing's period (from %(start)s)."
                ) % {"start": parent.start_date}
            # An open-ended child of an ended parent would outlive it.
            if parent.end_date and (self.end_date is None or self.end_date > parent.end_date):
                errors["end_date"] = _(
                    "The end date must be within the parent pairing's period (until %(end)s)."
                ) % {"end": parent.end_date}
        if self.status == PairingStatus.ENDED and self.end_date is None:
            errors["end_date"] = _("An ended pairing needs an end date.")
        if errors:
            raise ValidationError(errors)

    def _clean_sides_unchanged(self, errors: dict) -> None:
        """Who helps whom is history: a reassignment ends this pairing and starts another."""
        if self.pk is None:
            return
        attnames = [self._meta.get_field(field).attname for field in self.SIDE_FIELDS]
        saved = Pairing.objects.filter(pk=self.pk).values(*attnames).first()
        if saved is None:
            return
        for field, attname in zip(self.SIDE_FIELDS, attnames, strict=True):
            if saved[attname] != getattr(self, attname):
                errors[field] = _(
                    "The sides and programme of a pairing cannot be changed; "
                    "use “Reassign” to end it and start a new pairing."
                )

    def _clean_organizations(self, errors: dict) -> None:
        sides = (
            ("helping_organization", self.helping_organization, "helping_region"),
            ("helped_organization", self.helped_organization, "helped_region"),
        )
        for field, organization, region_field in sides:
            region = (
                getattr(self, region_field, None) if getattr(self, f"{region_field}_id") else None
            )
            if organization is None:
                if self.level == PairingLevel.INSTITUTION:
                    errors[field] = _("An institution pairing names the organisation on each side.")
            elif region is not None and not organization.region.is_within(region):
                errors[field] = _(
                    "%(organization)s is in %(region)s, outside this side's region."
                ) % {"organization": organization, "region": organization.region.full_name}

    def is_descendant_of_or_same(self, other: "Pairing") -> bool:
        node, seen = self, set()
        while node is not None and node.pk not in seen:
            if node.pk == other.pk:
                return True
            seen.add(node.pk)
            node = node.parent
        return False


def _validate_year(value: int) -> None:
    if not 2000 <= value <= 2100:
        raise ValidationError(_("Enter a year between 2000 and 2100."), code="year")


class Agreement(BaseModel):
    """The agreement (协议) a pairing signs for a year, with its targets."""

    pairing = models.ForeignKey(
        Pairing, verbose_name=_("pairing"), on_delete=models.PROTECT, related_name="agreements"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[_validate_year])
    title = models.CharField(_("title"), max_length=200, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    reference = models.CharField(_("document reference"), max_length=100, blank=True)
    attachment = models.FileField(
        _("attachment"),
        upload_to=upload_path,
        max_length=255,
        blank=True,
        validators=[validate_upload],
        help_text=UPLOAD_HELP,
    )
    notes = models.TextField(_("notes"), blank=True)

    scope_path = "pairing"
    suggest_fields = ("title", "reference", "pairing__helped_region__name")
    suggest_related = tuple(f"pairing__{side}" for side in Pairing.suggest_related)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-year", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "year"],
                name="agreement_one_per_pairing_year",
                violation_error_message=_("This pairing already has an agreement for this year."),
            )
        ]

    def __str__(self):
        return f"{self.pairing} · {self.year}"


class AgreementTarget(BaseModel):
    """One yearly target (协议指标) of an agreement.

    The indicator is named by its catalogue code; the catalogue itself
    (projects.Indicator, keyed by the same code) arrives with the projects
    app, which turns this field into a foreign key without losing data.
    """

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="targets"
    )
    # The agreement's, kept by a trigger (aidtrack.core.copies): the scope without a join, and
    # the scope's id range for the API's deep pages (core.scoping.scope_id_bound).
    pairing = copies.pairing_field()
    indicator_code = models.CharField(_("indicator code"), max_length=50)
    indicator_name = models.CharField(_("indicator"), max_length=200)
    target = models.DecimalField(_("target"), max_digits=18, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=20)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    scope_path = "pairing"

    class Meta:
        verbose_name = _("agreement target")
        verbose_name_plural = _("agreement targets")
        ordering = ["agreement", "indicator_code"]
        # A scope's id range, two probes per pairing (core.scoping.scope_id_bound).
        indexes = [models.Index(fields=["pairing", "id"], name="agreement_target_pairing_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "indicator_code"],
                name="agreement_target_unique_indicator",
                violation_error_message=_(
                    "This agreement already has a target for this indicator."
                ),
            ),
            models.CheckConstraint(
                condition=Q(target__gte=0),
                name="agreement_target_not_negative",
                violation_error_message=_("A target cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.indicator_name}: {self.target} {self.unit}"
