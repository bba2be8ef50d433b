"""No page reads a scoped model past ``for_user``: a source check over every app's views.py.

``Model.objects.filter(...)`` in a view shows rows whatever the user's scope;
``Model.objects.for_user(user, action)`` is the only way in (core.scoping).
The check is on the source, so a new view is covered without a test of its own.
"""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

# The way in (its result is then filtered freely).
NOT_A_READ = {"for_user"}


def _scoped_model_names() -> set[str]:
    return {
        model.__name__
        for model in apps.get_models()
        if hasattr(model._default_manager.all(), "for_user")
    }


def _views_files() -> list[Path]:
    base = Path(settings.BASE_DIR)
    return sorted(
        path
        for path in base.glob("*/views.py")
        if not any(part.startswith(".") or part == "node_modules" for part in path.parts)
    ) + sorted(base.glob("aidtrack/*/views.py"))


def unscoped_uses(source: str, scoped: set[str]) -> list[tuple[int, str, str]]:
    """``(line, model, method)`` of every ``Model.objects.<method>`` not ``for_user``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "objects"
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id in scoped
            and node.attr not in NOT_A_READ
        ):
            found.append((node.lineno, node.value.value.id, node.attr))
    return found


def test_views_reach_scoped_models_only_through_for_user():
    scoped = _scoped_model_names()
    base = Path(settings.BASE_DIR)
    offenders = [
        f"{path.relative_to(base).as_posix()}:{line}: {model}.objects.{method}(…)"
        for path in _views_files()
        for line, model, method in unscoped_uses(path.read_text(), scoped)
    ]
    assert offenders == [], "use Model.objects.for_user(user, action):\n" + "\n".join(offenders)


def test_the_check_sees_an_unscoped_read():
    source = "def get(request):\n    return Person.objects.filter(user=request.user)\n"
    assert unscoped_uses(source, {"Person"}) == [(2, "Person", "filter")]
    scoped = "def get(request):\n    return Person.objects.for_user(request.user).first()\n"
    assert unscoped_uses(scoped, {"Person"}) == []
