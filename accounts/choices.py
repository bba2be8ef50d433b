from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "admin", _("Administrator")
    COORDINATOR = "coordinator", _("Coordinator")
    LEADER = "leader", _("Leader")
    PARTNER = "partner", _("Partner system")
    # A deployed cadre or talent: checks in and reads their notifications, nothing else.
    MEMBER = "member", _("Team member")
