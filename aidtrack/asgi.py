import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtrack.settings")
application = get_asgi_application()

from aidtrack.core.collector import settle  # noqa: E402 - once Django is set up

settle()
