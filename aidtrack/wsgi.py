import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtrack.settings")
application = get_wsgi_application()

from aidtrack.core.collector import settle  # noqa: E402 - once Django is set up

settle()
