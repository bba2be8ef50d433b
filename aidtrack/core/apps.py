import logging

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("aidtrack.startup")


class CoreConfig(AppConfig):
    name = "aidtrack.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from aidtrack.core import audit, feed, orgscope

        post_migrate.connect(audit.install_audit_triggers, sender=self)
        post_migrate.connect(feed.install_feed_triggers, sender=self)
        post_migrate.connect(orgscope.install_scope_triggers, sender=self)
        logger.info("%s", describe_backends())


def describe_backends() -> str:
    """Which database, cache and broker this process uses, without secrets."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    where = db.get("HOST") or "localhost"
    database = f"PostgreSQL {settings.DATABASE_SOURCE} ({where}/{db.get('NAME')})"
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    if settings.REDIS_URL:
        broker = f"Redis ({_redact(settings.REDIS_URL)})"
    else:
        broker = "none: Celery tasks run eagerly in-process"
    return f"database: {database}; cache: {cache}; broker: {broker}"


def _redact(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
