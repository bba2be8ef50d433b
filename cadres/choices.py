from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class PersonCategory(models.TextChoices):
    CADRE = "cadre", _("Party-government cadre")
    TALENT = "talent", _("Professional talent")


class Specialty(models.TextChoices):
    EDUCATION = "education", _("Education")
    MEDICAL = "medical", _("Medical")
    AGRICULTURE = "agriculture", _("Agriculture and science")
    ECONOMY = "economy", _("Economy")
    HOUSING = "housing", _("Housing and construction")
    PARTY_BUILDING = "party_building", _("Party building")
    SOCIAL_GOVERNANCE = "social_governance", _("Social governance")
    OTHER = "other", _("Other")


class PoliticalStatus(models.TextChoices):
    PARTY_MEMBER = "party_member", _("CPC member")
    PROBATIONARY = "probationary", _("Probationary CPC member")
    LEAGUE_MEMBER = "league_member", _("Communist Youth League member")
    DEMOCRATIC_PARTY = "democratic_party", _("Member of a democratic party")
    MASSES = "masses", _("No party affiliation")


class Education(models.TextChoices):
    DOCTORATE = "doctorate", _("Doctorate")
    MASTER = "master", _("Master's degree")
    BACHELOR = "bachelor", _("Bachelor's degree")
    COLLEGE = "college", _("College diploma")
    SECONDARY = "secondary", _("Secondary school or below")


class Direction(models.TextChoices):
    EAST_TO_WEST = "east_to_west", _("East → west")
    WEST_TO_EAST = "west_to_east", _("West → east")


class DeploymentKind(models.TextChoices):
    LONG_TERM = "long_term", _("Long-term secondment")
    SHORT_TERM = "short_term", _("Short-term professional support")
    TRAINING = "training", _("Training and shadowing")


class DeploymentStatus(models.TextChoices):
    # Contexts: the same English words name other workflows' states in Chinese
    # differently (a project is 已完工, a deployment 期满返回).
    PLANNED = "planned", pgettext_lazy("deployment status", "Planned")
    ON_POST = "on_post", pgettext_lazy("deployment status", "On post")
    COMPLETED = "completed", pgettext_lazy("deployment status", "Completed")
    RECALLED = "recalled", pgettext_lazy("deployment status", "Recalled")


class TeamKind(models.TextChoices):
    FRONT_WORKING_GROUP = "front_working_group", _("Front working group")
    EDUCATION_TEAM = "education_team", _("Education team")
    MEDICAL_TEAM = "medical_team", _("Medical team")
    SCIENCE_MISSION = "science_mission", _("Science and technology mission")
    OTHER = "other", _("Other")


class TeamRole(models.TextChoices):
    LEADER = "leader", pgettext_lazy("team role", "Leader")
    DEPUTY = "deputy", _("Deputy leader")
    TECHNICAL_HEAD = "technical_head", _("Technical head")
    ADMINISTRATIVE_HEAD = "administrative_head", _("Administrative head")
    GROUP_LEADER = "group_leader", _("Group leader")
    MEMBER = "member", _("Member")


# Who leads a team day to day: sees its check-ins, decides its leave requests.
TEAM_LEADER_ROLES = (TeamRole.LEADER, TeamRole.TECHNICAL_HEAD)
# At most one member of a team holds each of these roles.
SINGLE_HOLDER_ROLES = (TeamRole.LEADER, TeamRole.TECHNICAL_HEAD, TeamRole.ADMINISTRATIVE_HEAD)
# Roles only a science-and-technology mission has.
MISSION_ROLES = (TeamRole.TECHNICAL_HEAD, TeamRole.ADMINISTRATIVE_HEAD)


class CheckInSlot(models.TextChoices):
    MORNING = "morning", _("Morning")
    EVENING = "evening", _("Evening")


class CheckInState(models.TextChoices):
    WELL = "well", _("Well")
    UNWELL = "unwell", _("Unwell")
    NEEDS_HELP = "needs_help", _("Needs help")


class LeaveStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class AwardLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    OTHER = "other", _("Other")


class CareKind(models.TextChoices):
    HEALTH_CHECK = "health_check", _("Health check")
    INSURANCE = "insurance", _("Insurance")
    FAMILY_SUPPORT = "family_support", _("Family support")
    PSYCHOLOGICAL = "psychological", _("Psychological follow-up")
    OTHER = "other", _("Other")
