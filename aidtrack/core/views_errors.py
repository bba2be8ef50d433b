"""Error pages: HTML in the site's layout, JSON under /api/."""

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def permission_denied(request, exception=None):
    if _wants_json(request):
        message = str(exception) if exception and str(exception) else _("Permission denied.")
        return JsonResponse({"code": "permission_denied", "message": message}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"code": "not_found", "message": _("Not found.")}, status=404)
    response = defaults.page_not_found(request, exception)
    response.own_error_page = True
    return response


class OwnNotFoundPageMiddleware:
    """Our 404 page in development too, instead of Django's technical one.

    With DEBUG on (``make run``), Django answers a missing page with a debug
    page listing every URL of the site, and never calls ``handler404``. A
    newcomer trying the app sees that; here it is replaced by what users see
    in production (JSON under /api/). A 404 a view made itself (JSON, a
    file) is left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and not getattr(response, "own_error_page", False)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return page_not_found(request)
        return response


def server_error(request):
    if _wants_json(request):
        return JsonResponse(
            {"code": "server_error", "message": _("Internal server error.")}, status=500
        )
    return defaults.server_error(request)
