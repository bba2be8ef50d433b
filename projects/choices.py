from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProjectCategory(models.TextChoices):
    INDUSTRY = "industry", _("Industrial development")
    LABOUR = "labour", _("Labour cooperation")
    TRAINING = "training", _("Talent training")
    RURAL_CONSTRUCTION = "rural_construction", _("Rural construction")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Medical and health care")
    CONSUMPTION = "consumption", _("Consumption support")
    SOCIAL = "social", _("Social support")
    DIGITAL = "digital", _("Digital transformation")
    OTHER = "other", _("Other")


class ProjectStatus(models.TextChoices):
    # In context: 储备/已立项/实施中/已完工/已验收/已终止 are a project's own words.
    PLANNED = "planned", pgettext_lazy("project status", "Planned")
    APPROVED = "approved", pgettext_lazy("project status", "Approved")
    IN_PROGRESS = "in_progress", pgettext_lazy("project status", "In progress")
    COMPLETED = "completed", pgettext_lazy("project status", "Completed")
    ACCEPTED = "accepted", pgettext_lazy("project status", "Accepted")
    CANCELLED = "cancelled", pgettext_lazy("project status", "Cancelled")


class IndicatorUnit(models.TextChoices):
    PEOPLE = "人", _("people (人)")
    PERSON_TIMES = "人次", _("person-times (人次)")
    TEN_THOUSAND_YUAN = "万元", _("10,000 yuan (万元)")
    COUNT = "个", _("count (个)")
    ITEMS = "项", _("items (项)")
    PERCENT = "%", _("percent (%)")
    MU = "亩", _("mu (亩)")
    HOUSEHOLDS = "户", _("households (户)")
    TIMES = "次", _("times (次)")
    INSTITUTIONS = "所", _("institutions (所)")
    ENTERPRISES = "家", _("enterprises (家)")
    OPERATIONS = "台", _("operations (台)")
    COURSES = "门", _("courses (门)")


class IndicatorCategory(models.TextChoices):
    FUNDS = "funds", _("Funds")
    PEOPLE = "people", _("Cadres and talents")
    LABOUR = "labour", _("Labour cooperation")
    INDUSTRY = "industry", _("Industry")
    CONSUMPTION = "consumption", _("Consumption support")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")
    SCIENCE = "science", _("Science and technology")
    RURAL_CONSTRUCTION = "rural_construction", _("Rural construction")
    NEEDS = "needs", _("Needs")
    PROJECTS = "projects", _("Projects")


class Aggregation(models.TextChoices):
    SUM = "sum", _("Sum")
    LATEST = "latest", _("Latest value")
    MAX = "max", _("Maximum")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class ReviewAction(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    RETURN = "return", _("Returned")
    REOPEN = "reopen", _("Reopened")


class NeedCategory(models.TextChoices):
    INDUSTRY = "industry", _("Industry and agriculture")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Medical and health care")
    SCIENCE = "science", _("Science and technology")
    TALENT = "talent", _("Talent and training")
    LABOUR = "labour", _("Employment and labour")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    GOVERNANCE = "governance", _("Governance")
    OTHER = "other", _("Other")


class NeedPriority(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class NeedStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("need status", "Open")
    MATCHED = "matched", _("Matched")
    RESOLVED = "resolved", _("Resolved")
    WITHDRAWN = "withdrawn", _("Withdrawn")
