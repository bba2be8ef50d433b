from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from aidtrack.core.tables import Column, Table
from funds.selectors import stage_sums
from pairings.models import Pairing


def _money(accessor: str, verbose_name=None, *, total=None, order_by=None) -> Column:
    """A money column totalled over the whole filtered list (by default the sum of itself)."""
    return Column(
        accessor,
        verbose_name,
        order_by=order_by if order_by is not None else accessor,
        money=True,
        total=total if total is not None else Sum(accessor),
    )


class FundAllocationTable(Table):
    columns = [
        Column("year", order_by="year", link=True),
        Column("pairing", order_by="pairing__helping_region__code"),
        Column("source_level", order_by="source_level"),
        _money("amount"),
        Column("purpose"),
        Column("document_reference", order_by="document_reference"),
        Column("allocated_on", order_by="allocated_on"),
    ]
    select_related = Pairing.name_related("pairing")


class OverAllocationTable(Table):
    columns = [
        Column("year", order_by="year", link=True),
        Column("pairing", order_by="pairing__helping_region__code"),
        _money("amount"),
        Column("reason"),
        Column("approved_by"),
    ]
    select_related = (*Pairing.name_related("pairing"), "approved_by")


_STAGE_TOTALS = stage_sums()


class FundTransactionTable(Table):
    """A ledger: each entry's amount sits in the column of its stage, so each column adds up."""

    columns = [
        Column("date", order_by="date", link=True),
        Column("project", order_by="project__code"),
        Column("kind", order_by="kind"),
        Column(
            "committed_amount",
            _("committed (yuan)"),
            money=True,
            reads=("kind", "amount"),
            total=_STAGE_TOTALS["committed"],
        ),
        Column(
            "disbursed_amount",
            _("disbursed (yuan)"),
            money=True,
            reads=("kind", "amount"),
            total=_STAGE_TOTALS["disbursed"],
        ),
        Column(
            "spent_amount",
            _("spent (yuan)"),
            money=True,
            reads=("kind", "amount"),
            total=_STAGE_TOTALS["spent"],
        ),
        Column("payer", order_by="payer__name"),
        Column("payee", order_by="payee__name"),
        Column("voucher_number", order_by="voucher_number"),
        Column("reverses", _("reverses")),
    ]
    select_related = ("project", "payer", "payee", "reverses")


class DonationTable(Table):
    columns = [
        Column("date", order_by="date", link=True),
        Column("pairing", order_by="pairing__helping_region__code"),
        Column("donor", _("donor")),
        Column("recipient", _("recipient")),
        Column("kind", order_by="kind"),
        _money("amount"),
        Column("items"),
        Column("purpose"),
    ]
    select_related = (
        *Pairing.name_related("pairing"),
        "donor_organization",
        "recipient_organization",
    )


class ParkTable(Table):
    columns = [
        Column("name", order_by="name", link=True),
        Column("kind", order_by="kind"),
        Column("pairing", order_by="pairing__helping_region__code"),
        Column("region__full_name", _("location"), order_by="region__code"),
        Column("opened_on", order_by="opened_on"),
    ]
    select_related = (*Pairing.name_related("pairing"), "region")


class InvestmentTable(Table):
    columns = [
        Column("enterprise", order_by="enterprise__name", link=True),
        Column("name", order_by="name", link=True),
        Column("pairing", order_by="pairing__helping_region__code"),
        Column("industry", order_by="industry"),
        Column("park", order_by="park__name"),
        _money("amount_agreed"),
        Column("agreed_on", order_by="agreed_on"),
        _money("amount_in_place"),
    ]
    select_related = (*Pairing.name_related("pairing"), "enterprise", "park")


class InvestmentTrancheTable(Table):
    columns = [
        Column("date", order_by="date", link=True),
        Column("investment", order_by="investment__enterprise__name"),
        _money("amount"),
        Column("note"),
    ]
    select_related = ("investment__enterprise",)


class ConsumptionSupportTable(Table):
    columns = [
        Column("year", order_by="year", link=True),
        Column("month", order_by="month"),
        Column("pairing", order_by="pairing__helping_region__code"),
        Column("kind", order_by="kind"),
        Column("buyer", _("buyer or channel")),
        Column("product", order_by="product", link=True),
        _money("amount"),
    ]
    select_related = (*Pairing.name_related("pairing"), "buyer_organization")
