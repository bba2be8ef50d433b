from django.db import models
from django.utils.translation import gettext_lazy as _


class ScoringMethod(models.TextChoices):
    # Points = weight × min(actual ÷ target, cap) — capped so one indicator far
    # over target cannot make up for the others.
    COMPLETION = "completion", _("Completion of the yearly target")
    # Points = weight × growth ÷ cap, between 0 and the weight: full points at
    # a growth of ``cap`` % over the previous year.
    GROWTH = "growth", _("Growth over the previous year")


class GradeLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
