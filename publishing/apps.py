from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishingConfig(AppConfig):
    """Open-data publishing of what the other apps record (IATI 2.03 activity files).

    It reads pairings, projects and funds and writes nothing, so it sits at the
    right end of the dependency direction, beside assessments.
    """

    name = "publishing"
    verbose_name = _("Publishing")

    def ready(self):
        from publishing import checks  # noqa: F401 - registers the system check
