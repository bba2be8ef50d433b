from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")


class Programme(models.TextChoices):
    EAST_WEST = "east_west", _("East–West cooperation")
    COUNTERPART = "counterpart", _("Counterpart support")
    DESIGNATED = "designated", _("Designated assistance")
    TEAM = "team", _("Team-based support")


class PairingLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")
    INSTITUTION = "institution", _("Institution")


class PairingStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class OrganizationKind(models.TextChoices):
    GOVERNMENT = "government", _("Government body")
    TOWN = "town", _("Town or sub-district")
    SCHOOL = "school", _("School")
    HOSPITAL = "hospital", _("Hospital")
    ENTERPRISE = "enterprise", _("Enterprise")
    UNIVERSITY = "university", _("University")
    OTHER = "other", _("Other")
