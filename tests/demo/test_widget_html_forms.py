"""Every list's filter form and every edit form renders the same HTML either way.

core.widget_html builds Django's select and input widgets in Python; over
the demo's records, each field of every page's filter form (empty and with
a value chosen in each select) and of every edit form (blank, and on a
record) must give the HTML Django's templates give (``TemplatesSetting``).
"""

import pytest
from django.test import RequestFactory
from django.utils import translation

from accounts.models import User
from aidtrack.core import scoping
from aidtrack.core.views import declared_pages
from tests.core.test_widget_html import rendered_both_ways

pytestmark = pytest.mark.xdist_group("demo")

PAGES = sorted(
    (views for views in declared_pages() if views.model is not None),
    key=lambda views: views.__qualname__,
)


def _first_choices(form) -> dict:
    """A value for each select: its second choice (the first is usually the blank)."""
    chosen = {}
    for name, field in form.fields.items():
        choices = list(getattr(field, "choices", ()) or ())
        if len(choices) > 1 and not isinstance(choices[1][1], list | tuple):
            chosen[name] = str(choices[1][0])
    return chosen


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("views", PAGES, ids=[views.__qualname__ for views in PAGES])
def test_filter_and_edit_forms_render_as_the_templates_do(demo_loaded, views, language):
    user = User.objects.get(username="admin")
    request = RequestFactory().get("/")
    request.user = user
    compared = 0
    with translation.override(language):
        if views.filterset_class is not None:
            queryset = views.model.objects.for_user(user, scoping.VIEW)
            empty = views.filterset_class(None, queryset=queryset, request=request).form
            chosen = views.filterset_class(
                _first_choices(empty) or None, queryset=queryset, request=request
            ).form
            for form in (empty, chosen):
                fast, templates = rendered_both_ways(form)
                assert fast == templates
                compared += len(fast)
        if views.form_class is not None:
            record = views.model.objects.for_user(user, scoping.VIEW).order_by("pk").first()
            for instance in {None, record}:
                form = views.form_class(instance=instance, user=user)
                fast, templates = rendered_both_ways(form)
                assert fast == templates
                compared += len(fast)
    if views.filterset_class is not None or views.form_class is not None:
        assert compared
