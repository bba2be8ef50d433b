from django.db import models
from django.utils.translation import gettext_lazy as _


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
    PLANNED = "planned", _("Planned")
    ON_POST = "on_post", _("On post")
    COMPLETED = "completed", _("Completed")
    RECALLED = "recalled", _("Recalled")
