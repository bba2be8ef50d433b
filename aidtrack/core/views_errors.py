"""Error pages: HTML in the site's layout, JSON under /api/."""

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
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _wants_json(request):
        return JsonResponse(
            {"code": "server_error", "message": _("Internal server error.")}, status=500
        )
    return defaults.server_error(request)
