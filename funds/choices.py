from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceLevel(models.TextChoices):
    """Which level of the helping side's government the fiscal aid comes from."""

    CENTRAL = "central", _("Central")
    PROVINCIAL = "provincial", _("Provincial")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


class TransactionKind(models.TextChoices):
    """The three stages of a project's money, in the order they must happen."""

    COMMITMENT = "commitment", _("Commitment (下达)")
    DISBURSEMENT = "disbursement", _("Disbursement (拨付)")
    EXPENDITURE = "expenditure", _("Expenditure (支出)")


class DonationKind(models.TextChoices):
    CASH = "cash", _("Cash")
    IN_KIND = "in_kind", _("In kind")


class ParkKind(models.TextChoices):
    AGRICULTURAL = "agricultural", _("Modern agricultural park")
    INDUSTRIAL = "industrial", _("Industrial park")


class ConsumptionKind(models.TextChoices):
    PURCHASED = "purchased", _("Purchased by the helping side")
    SOLD = "sold", _("Sold for the helped side")
