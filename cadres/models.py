"""Seconded cadres and professional talents."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aidtrack.core.models import BaseModel
from cadres.choices import Education, Gender, PersonCategory, PoliticalStatus, Specialty
from cadres.masking import mask_id_number, mask_phone
from cadres.validators import id_number_birth_date, validate_id_number, validate_phone
from pairings.models import Organization


class Person(BaseModel):
    """A cadre or talent. ID number and phone are stored whole and shown masked."""

    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族")
    political_status = models.CharField(
        _("political status"), max_length=20, choices=PoliticalStatus.choices
    )
    education = models.CharField(_("education"), max_length=20, choices=Education.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    id_number = models.CharField(
        _("ID number"), max_length=18, unique=True, validators=[validate_id_number]
    )
    category = models.CharField(_("category"), max_length=10, choices=PersonCategory.choices)
    specialty = models.CharField(_("specialty"), max_length=20, choices=Specialty.choices)
    title = models.CharField(
        _("professional title"), max_length=50, blank=True, help_text=_("e.g. 主任医师, 副高")
    )
    rank = models.CharField(_("rank"), max_length=50, blank=True, help_text=_("e.g. 二级调研员"))
    home_organization = models.ForeignKey(
        "pairings.Organization",
        verbose_name=_("home organisation"),
        on_delete=models.PROTECT,
        related_name="people",
    )

    # History records that these changed, never their values.
    audit_redact = ("id_number", "phone")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "id"]
        permissions = [
            (
                "reveal_personal_data",
                _("Can reveal ID numbers and phone numbers (each reveal is logged)"),
            )
        ]

    def __str__(self):
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @classmethod
    def scope_q(cls, pairing_ids) -> Q:
        """People whose home organisation is within the user's pairings."""
        in_scope = Organization.objects.filter(Organization.scope_q(pairing_ids))
        return Q(home_organization__in=in_scope)

    def clean_fields(self, exclude=None):
        self.id_number = (self.id_number or "").strip().upper()
        self.phone = (self.phone or "").strip()
        super().clean_fields(exclude)

    def clean(self):
        birth = id_number_birth_date(self.id_number) if len(self.id_number) == 18 else None
        if birth and self.birth_date and birth != self.birth_date:
            raise ValidationError(
                {
                    "birth_date": _("The birth date does not match the ID number (%(date)s).")
                    % {"date": birth.isoformat()}
                }
            )


class PersonalDataReveal(models.Model):
    """Who saw a person's full ID number or phone, when and why."""

    class Field(models.TextChoices):
        ID_NUMBER = "id_number", _("ID number")
        PHONE = "phone", _("phone")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="reveals"
    )
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    reason = models.CharField(_("reason"), max_length=300)
    revealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revealed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    revealed_at = models.DateTimeField(_("revealed at"), auto_now_add=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("personal data reveal")
        verbose_name_plural = _("personal data reveals")
        ordering = ["-revealed_at", "-id"]

    def __str__(self):
        return f"{self.person} · {self.get_field_display()} · {self.revealed_by}"
