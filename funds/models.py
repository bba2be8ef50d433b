"""Money: fiscal aid and its path through projects, and the money that is not fiscal.

All amounts are Decimal yuan with two places; nothing here is ever a float.
Writes that must keep totals consistent (transactions, allocations,
over-allocations, investment tranches) go through funds.services.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from aidtrack.core import copies, scoping
from aidtrack.core.models import BaseModel
from aidtrack.core.money import format_money
from aidtrack.core.transitions import Transition, TransitionTable
from aidtrack.core.writes import Writes
from funds.choices import (
    ConsumptionKind,
    DonationKind,
    ParkKind,
    SourceLevel,
    TransactionKind,
)
from pairings.choices import OrganizationKind

MONEY_DIGITS = 16  # up to 99 999 999 999 999.99 yuan
CENT = Decimal("0.01")
POSITIVE_MESSAGE = _("Enter an amount greater than zero.")
YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


def validate_positive(value) -> None:
    if value is not None and value <= 0:
        raise ValidationError(POSITIVE_MESSAGE, code="not_positive")


def money_field(verbose_name, *, positive=True, **kwargs) -> models.DecimalField:
    validators = [validate_positive] if positive else []
    return models.DecimalField(
        verbose_name, max_digits=MONEY_DIGITS, decimal_places=2, validators=validators, **kwargs
    )


def positive_constraint(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gt": 0}), name=name, violation_error_message=POSITIVE_MESSAGE
    )


def _organization(verbose_name, related_name, **kwargs):
    return models.ForeignKey(
        "pairings.Organization",
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        related_name=related_name,
        **kwargs,
    )


def _optional_organization(verbose_name, related_name):
    return _organization(verbose_name, related_name, null=True, blank=True)


def _pairing(related_name):
    return models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        related_name=related_name,
    )


class FundAllocation(BaseModel):
    """Fiscal aid (财政援助资金) the helping side allocates to a pairing for a year."""

    pairing = _pairing("fund_allocations")
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    source_level = models.CharField(
        _("source level"), max_length=20, choices=SourceLevel.choices, default=SourceLevel.CITY
    )
    amount = money_field(_("amount (yuan)"))
    purpose = models.CharField(
        _("purpose"), max_length=300, blank=True, help_text=_("e.g. 产业发展、劳务协作、乡村建设")
    )
    document_reference = models.CharField(
        _("document reference"), max_length=100, blank=True, help_text=_("e.g. 中财农〔2023〕12号")
    )
    allocated_on = models.DateField(_("allocated on"), null=True, blank=True)

    scope_path = "pairing"
    writes = Writes(
        save="funds.services.fund_allocation_save", delete="funds.services.fund_allocation_delete"
    )

    summary_fields = ("pairing", "year", "amount", "source_level")

    def summary_keys(self):
        yield self.pairing_id, self.year

    class Meta:
        verbose_name = _("fund allocation")
        verbose_name_plural = _("fund allocations")
        ordering = ["-year", "id"]
        indexes = [models.Index(fields=["pairing", "year"])]
        constraints = [positive_constraint("amount", "fund_allocation_amount_positive")]

    def __str__(self):
        return f"{self.year} · {self.get_source_level_display()} · {format_money(self.amount)}"


class OverAllocation(BaseModel):
    """An administrator's approval to commit more than a pairing-year's allocations."""

    pairing = _pairing("over_allocations")
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    amount = money_field(_("additional amount (yuan)"))
    reason = models.TextField(_("reason"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )

    scope_path = "pairing"
    # Approved and withdrawn by administrators, never edited.
    write_roles = scoping.ADMINISTRATORS
    writes = Writes(
        save="funds.services.over_allocation_approve",
        delete="funds.services.over_allocation_withdraw",
    )

    class Meta:
        verbose_name = _("over-allocation approval")
        verbose_name_plural = _("over-allocation approvals")
        ordering = ["-year", "id"]
        indexes = [models.Index(fields=["pairing", "year"])]
        constraints = [positive_constraint("amount", "over_allocation_amount_positive")]

    def __str__(self):
        return f"{self.year} · +{format_money(self.amount)}"

    def clean(self):
        if not (self.reason or "").strip():
            raise ValidationError({"reason": _("Say why more may be committed than allocated.")})


class FundTransaction(BaseModel):
    """One step of a project's money: committed (下达), disbursed (拨付) or spent (支出).

    Never edited: a mistake is corrected by a reversal, a new entry with the
    negated amount that points at the entry it cancels.
    """

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="fund_transactions",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TransactionKind.choices)
    date = models.DateField(_("date"))
    amount = money_field(
        _("amount (yuan)"),
        positive=False,
        help_text=_("Positive; a reversal carries the negated amount of the entry it cancels."),
    )
    payer = _optional_organization(_("payer"), "fund_payments")
    payee = _optional_organization(_("payee"), "fund_receipts")
    voucher_number = models.CharField(_("voucher number"), max_length=60, blank=True)
    note = models.TextField(_("note"), blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
        help_text=_("The entry this one cancels."),
    )
    # The project's, kept by a trigger (projects.pairing_copy): the scope without a
    # join. A reversal is in its entry's project, so it is scoped like the entry.
    pairing = copies.pairing_field()

    scope_path = "pairing"
    # Entries are never edited, but an edit of their project touches them (the API shows
    # its pairing and year: core.feed), so recent changes lie among the oldest ids: an
    # ``updated_since`` page reads the few changed rows by id (core.api_defaults).
    changes_spread_over_ids = True
    # A voucher is entered once per project and kind; a retried entry is a 409
    # naming the first (core.natural_keys). Blank vouchers and reversals, which
    # carry the voucher of the entry they cancel, may repeat.
    natural_keys = (("project", "kind", "voucher_number"),)
    # Imports record many entries with one set of locks and totals queries.
    writes = Writes(
        save="funds.services.fund_transaction_record",
        save_many="funds.services.fund_transactions_record",
    )
    transitions = TransitionTable(
        Transition(
            "reverse",
            _("Reverse this entry"),
            sources=None,
            target=None,
            service="funds.services.fund_transaction_reverse",
            form="funds.forms.ReverseForm",
            # A reversal is a new entry in the same project: scoped like one.
            action=scoping.ADD,
            refusal="reversal_refusal",
            creates=True,
            help_text="Cancel this entry with a new one of the negated amount (`date`, "
            "`note`: why); answers 201 with the reversal.",
        ),
    )

    summary_fields = ("project", "kind", "date", "amount", "reverses")

    def summary_keys(self):
        """Fiscal money counts in its project's programme year."""
        yield self.project.pairing_id, self.project.year

    @property
    def reversed_by(self) -> "FundTransaction | None":
        """The entry that cancels this one (one query, then cached on the row)."""
        return getattr(self, "reversal", None)  # the reverse one-to-one raises when absent

    def reversal_refusal(self) -> str | None:
        """Why this entry cannot be reversed, if it cannot (see the "reverse" transition)."""
        if self.is_reversal:
            return _("A reversal cannot itself be reversed.")
        if self.reversed_by is not None:
            return _("This entry has already been reversed.")
        return None

    class Meta:
        verbose_name = _("fund transaction")
        verbose_name_plural = _("fund transactions")
        ordering = ["-date", "-id"]
        indexes = [
            # A project's stage totals (committed, disbursed, spent) read from the index
            # alone: every recorded entry sums its project's stages again.
            models.Index(
                fields=["project", "kind"], include=["amount"], name="fundtx_project_stages_idx"
            ),
            # The ledger's default order (core.paging pages by it; read backwards for "last").
            # Holding the pairing: a coordinator's page picks its ids from this index alone.
            models.Index(
                fields=["-date", "-id"], include=["pairing"], name="fundtx_list_order_idx"
            ),
            # A scope's id range, two probes per pairing (core.scoping.scope_id_bound).
            models.Index(fields=["pairing", "id"], name="fundtx_pairing_id_idx"),
            # A scoped partner's sync: the scope's changes since a time, a short range per
            # pairing. Without it PostgreSQL intersected the changed rows' bitmap with
            # the scope's 630,000 rows (province coordinator: 13 ms to find 549 ids).
            models.Index(fields=["pairing", "updated_at"], name="fundtx_pairing_updated_idx"),
        ]
        constraints = [
            # Entries are positive; only a reversal is negative.
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, amount__gt=0)
                | Q(reverses__isnull=False, amount__lt=0),
                name="fund_transaction_sign",
                violation_error_message=_(
                    "An entry's amount must be positive; only a reversal is negative."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(reverses=F("id")),
                name="fund_transaction_not_self_reversal",
                violation_error_message=_("An entry cannot reverse itself."),
            ),
            models.UniqueConstraint(
                fields=["project", "kind", "voucher_number"],
                condition=~Q(voucher_number="") & Q(reverses__isnull=True),
                name="fund_transaction_unique_voucher",
                violation_error_message=_(
                    "This project already has an entry of this kind with this voucher number."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.date} · {self.get_kind_display()} · {format_money(self.amount)}"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    def amount_if(self, kind: str):
        return self.amount if self.kind == kind else None

    @property
    def committed_amount(self):
        return self.amount_if(TransactionKind.COMMITMENT)

    @property
    def disbursed_amount(self):
        return self.amount_if(TransactionKind.DISBURSEMENT)

    @property
    def spent_amount(self):
        return self.amount_if(TransactionKind.EXPENDITURE)

    def locked_reason(self, user) -> str:
        return _("Recorded fund transactions are never changed; record a reversal instead.")

    def clean(self):
        if self.reverses_id is None:
            if self.amount is not None and self.amount <= 0:
                raise ValidationError(
                    {
                        "amount": _(
                            "Enter an amount greater than zero; to correct an entry, reverse it."
                        )
                    }
                )
            return
        original = self.reverses
        errors = {}
        if original.reverses_id is not None:
            errors["reverses"] = _("A reversal cannot itself be reversed.")
        elif self.project_id != original.project_id or self.kind != original.kind:
            errors["reverses"] = _("A reversal must be of the same project and kind.")
        elif self.amount != -original.amount:
            errors["amount"] = _("A reversal carries exactly the negated amount (%(amount)s).") % {
                "amount": -original.amount
            }
        if errors:
            raise ValidationError(errors)


class Donation(BaseModel):
    """Social support (社会帮扶): a gift in cash or in kind, valued in yuan (物资折价)."""

    pairing = _pairing("donations")
    date = models.DateField(_("date"))
    kind = models.CharField(
        _("kind"), max_length=10, choices=DonationKind.choices, default=DonationKind.CASH
    )
    donor_organization = _optional_organization(_("donor organisation"), "donations_given")
    donor_name = models.CharField(
        _("donor name"),
        max_length=200,
        blank=True,
        help_text=_("A person, or an organisation not recorded as one."),
    )
    recipient_organization = _optional_organization(
        _("recipient organisation"), "donations_received"
    )
    recipient_name = models.CharField(_("recipient name"), max_length=200, blank=True)
    amount = money_field(
        _("amount (yuan)"), help_text=_("The cash given, or the valuation of the items (物资折价).")
    )
    items = models.CharField(
        _("items"), max_length=300, blank=True, help_text=_("In-kind gifts, e.g. 校服、书包")
    )
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)

    scope_path = "pairing"

    summary_fields = ("pairing", "date", "kind", "amount")

    def summary_keys(self):
        yield self.pairing_id, self.date.year

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["pairing", "date"]),
            # The list's default order (core.paging pages by it).
            # Holding the pairing: a coordinator's page picks its ids from this index alone.
            models.Index(
                fields=["-date", "-id"], include=["pairing"], name="donation_list_order_idx"
            ),
        ]
        constraints = [positive_constraint("amount", "donation_amount_positive")]

    def __str__(self):
        return f"{self.date} · {self.donor} → {self.recipient}"

    @property
    def donor(self) -> str:
        return str(self.donor_organization or self.donor_name)

    @property
    def recipient(self) -> str:
        return str(self.recipient_organization or self.recipient_name)

    def clean(self):
        errors = {}
        if not self.donor_organization_id and not self.donor_name.strip():
            errors["donor_name"] = _("Name the donor: an organisation or a name.")
        if not self.recipient_organization_id and not self.recipient_name.strip():
            errors["recipient_name"] = _("Name the recipient: an organisation or a name.")
        if self.kind == DonationKind.IN_KIND and not self.items.strip():
            errors["items"] = _("Say what was given in kind.")
        if self.recipient_organization_id and self.pairing_id:
            helped = self.pairing.helped_region
            if not self.recipient_organization.region.is_within(helped):
                errors["recipient_organization"] = _(
                    "The recipient must be on the helped side (%(region)s)."
                ) % {"region": helped.full_name}
        if errors:
            raise ValidationError(errors)


class Park(BaseModel):
    """A co-built park (共建园区): a modern agricultural park or an industrial park."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ParkKind.choices)
    pairing = _pairing("parks")
    region = models.ForeignKey(
        "pairings.Region",
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        related_name="parks",
        help_text=_("County or township in the helped region."),
    )
    opened_on = models.DateField(
        _("opened on"), null=True, blank=True, help_text=_("Empty while it is being built.")
    )
    description = models.TextField(_("description"), blank=True)

    scope_path = "pairing"
    suggest_fields = ("name",)

    summary_fields = ("pairing", "kind", "opened_on", "region")  # region: the dashboards' maps

    def summary_keys(self):
        """Parks are counted from the year they opened (later years follow nightly)."""
        if self.opened_on:
            yield self.pairing_id, self.opened_on.year

    class Meta:
        verbose_name = _("co-built park")
        verbose_name_plural = _("co-built parks")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "name"],
                name="park_unique_name_in_pairing",
                violation_error_message=_("This pairing already has a park of this name."),
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.pairing_id and self.region_id:
            helped = self.pairing.helped_region
            if not self.region.is_within(helped):
                raise ValidationError(
                    {
                        "region": _("The park must lie within the helped side (%(region)s).")
                        % {"region": helped.full_name}
                    }
                )


class Investment(BaseModel):
    """An enterprise's investment in the helped region (引导企业投资).

    ``amount_in_place`` (实际到位) is the sum of the tranches, kept by
    funds.services under a lock on this row.
    """

    enterprise = _organization(_("enterprise"), "investments")
    pairing = _pairing("investments")
    name = models.CharField(
        _("project name"), max_length=200, blank=True, help_text=_("e.g. 水产养殖项目")
    )
    industry = models.CharField(_("industry"), max_length=100)
    park = models.ForeignKey(
        Park,
        verbose_name=_("park"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="investments",
    )
    amount_agreed = money_field(_("agreed amount (yuan)"))
    agreed_on = models.DateField(_("agreed on"))
    amount_in_place = money_field(
        _("amount in place (yuan)"), positive=False, default=Decimal(0), editable=False
    )
    over_agreed_note = models.CharField(
        _("note on exceeding the agreement"),
        max_length=300,
        blank=True,
        help_text=_("Required before more than the agreed amount can be recorded as in place."),
    )

    scope_path = "pairing"
    suggest_fields = ("name", "industry", "enterprise__name")
    suggest_related = ("enterprise",)
    writes = Writes(save="funds.services.investment_save")

    summary_fields = ("pairing", "enterprise", "agreed_on", "amount_agreed", "amount_in_place")

    def summary_keys(self):
        yield self.pairing_id, self.agreed_on.year

    class Meta:
        verbose_name = _("investment")
        verbose_name_plural = _("investments")
        ordering = ["-agreed_on", "-id"]
        indexes = [
            models.Index(fields=["pairing", "agreed_on"]),
            # The list's default order (core.paging pages by it).
            models.Index(fields=["-agreed_on", "-id"], name="investment_list_order_idx"),
        ]
        constraints = [
            positive_constraint("amount_agreed", "investment_agreed_positive"),
            models.CheckConstraint(
                condition=Q(amount_in_place__gte=0),
                name="investment_in_place_not_negative",
                violation_error_message=_("The amount in place cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(amount_in_place__lte=F("amount_agreed")) | ~Q(over_agreed_note=""),
                name="investment_in_place_within_agreed",
                violation_error_message=_(
                    "More than the agreed amount is in place: explain why in the note."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} · {self.name or self.industry}"

    def clean(self):
        errors = {}
        if self.enterprise_id and self.enterprise.kind != OrganizationKind.ENTERPRISE:
            errors["enterprise"] = _("Choose an organisation of the kind “enterprise”.")
        if self.park_id and self.pairing_id:
            helped = self.pairing.helped_region
            if not self.park.region.is_within(helped):
                errors["park"] = _("The park must lie within the helped side (%(region)s).") % {
                    "region": helped.full_name
                }
        if (
            self.amount_agreed is not None
            and self.amount_in_place > self.amount_agreed
            and not self.over_agreed_note.strip()
        ):
            errors["amount_agreed"] = _(
                "%(in_place)s yuan are already in place, more than this agreed amount; "
                "explain why in the note."
            ) % {"in_place": self.amount_in_place}
        if errors:
            raise ValidationError(errors)


class InvestmentTranche(BaseModel):
    """Money of an investment that actually arrived (实际到位), and when."""

    investment = models.ForeignKey(
        Investment,
        verbose_name=_("investment"),
        on_delete=models.PROTECT,
        related_name="tranches",
    )
    # The investment's, kept by a trigger (aidtrack.core.copies): the scope without a join,
    # and the scope's id range for the API's deep pages (core.scoping.scope_id_bound).
    pairing = copies.pairing_field()
    date = models.DateField(_("date in place"))
    amount = money_field(_("amount in place (yuan)"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    scope_path = "pairing"
    writes = Writes(
        save="funds.services.investment_tranche_save",
        delete="funds.services.investment_tranche_delete",
    )

    summary_fields = ("investment", "date", "amount")

    def summary_keys(self):
        yield self.investment.pairing_id, self.date.year

    class Meta:
        verbose_name = _("investment in place")
        verbose_name_plural = _("investments in place")
        ordering = ["-date", "-id"]
        # The list's default order (core.paging pages by it).
        indexes = [
            models.Index(fields=["-date", "-id"], name="tranche_list_order_idx"),
            # A scope's id range, two probes per pairing (core.scoping.scope_id_bound).
            models.Index(fields=["pairing", "id"], name="tranche_pairing_id_idx"),
        ]
        constraints = [positive_constraint("amount", "investment_tranche_amount_positive")]

    def __str__(self):
        return f"{self.investment} · {self.date} · {format_money(self.amount)}"

    def clean(self):
        if self.investment_id and self.date and self.date < self.investment.agreed_on:
            raise ValidationError(
                {
                    "date": _("Money cannot be in place before the agreement (%(date)s).")
                    % {"date": self.investment.agreed_on}
                }
            )


class ConsumptionSupport(BaseModel):
    """Consumption support (消费帮扶): the helped region's produce bought or sold in the east."""

    pairing = _pairing("consumption_support")
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=ConsumptionKind.choices,
        default=ConsumptionKind.PURCHASED,
    )
    buyer_organization = _optional_organization(_("buyer organisation"), "consumption_support")
    channel = models.CharField(
        _("buyer or channel"),
        max_length=200,
        blank=True,
        help_text=_("e.g. 广州海珠区“黔货出山”展销门店, 单位食堂, 电商平台"),
    )
    product = models.CharField(_("product"), max_length=200)
    amount = money_field(_("amount (yuan)"))
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    month = models.PositiveSmallIntegerField(
        _("month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Empty for the whole year."),
    )
    note = models.TextField(_("note"), blank=True)

    scope_path = "pairing"

    summary_fields = ("pairing", "kind", "year", "month", "amount")

    def summary_keys(self):
        yield self.pairing_id, self.year

    class Meta:
        verbose_name = _("consumption support")
        verbose_name_plural = _("consumption support")
        ordering = ["-year", "-month", "-id"]
        indexes = [
            models.Index(fields=["pairing", "year"]),
            # The list's default order (core.paging pages by it).
            models.Index(fields=["-year", "-month", "-id"], name="consumption_list_order_idx"),
        ]
        constraints = [
            positive_constraint("amount", "consumption_amount_positive"),
            models.CheckConstraint(
                condition=Q(month__isnull=True) | Q(month__gte=1, month__lte=12),
                name="consumption_month_valid",
                violation_error_message=_("Enter a month from 1 to 12."),
            ),
        ]

    def __str__(self):
        period = f"{self.year}-{self.month:02d}" if self.month else str(self.year)
        return f"{period} · {self.product}"

    @property
    def buyer(self) -> str:
        return str(self.buyer_organization or self.channel)

    def clean(self):
        if not self.buyer_organization_id and not self.channel.strip():
            raise ValidationError({"channel": _("Name the buyer: an organisation or a channel.")})
