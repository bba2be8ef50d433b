"""The national bench's search lines: the navbar's search and the reference suggestions.

Issue 16: "search … within the user's scope, fast at national scale (trigram or
full-text index)". Called by bench/national.py; see bench/README.md, "The
search lines".

Each line is one request as the browser makes it, for the leader and the
province coordinator, against a floor of the same rows fetched by their own
matching SQL — the queryset the code builds (``core.search.matches`` per
group, ``core.references.suggestion_rows``), compiled and run through a bare
cursor, the rows dumped as JSON. For the leader that SQL is the bare trigram
match (``UPPER(name) LIKE UPPER('%…%')``, served by ``core.indexes``); for a
coordinator it adds the scope's predicate. A missing index slows line and
floor alike: read the floor's own ms too (README, "Reading it").
"""

from urllib.parse import urlencode

from django.urls import reverse

from aidtrack.core import scoping
from aidtrack.core.references import suggestion_rows
from aidtrack.core.search import PAGE_LIMIT, SUGGESTION_LIMIT, matches, searchables
from bench.national import LEADER, get, sql_rows

# Texts as people type them, from the national dataset's own names: a two-character
# name (no whole trigram: a scan of the names in scope), a three-character project
# word and a place that names pairings, organisations and teams alike.
SEARCH_TEXTS = ("韩红", "食用菌", "六盘水")
# The suggest endpoint: per model, the text typed ("" = the box just took the focus).
SUGGEST_TEXTS = {
    "cadres.person": ("", "韩红"),
    "projects.project": ("", "食用菌"),
    "pairings.pairing": ("", "六盘水"),
    "pairings.organization": ("", "人民政府"),
}
USERS = (LEADER, "coord-province")
# A record found, as results.html and suggestions.html link it.
HIT = b'<a class="list-group-item list-group-item-action" href="'
FLOOR = "matching SQL of the same rows + json.dumps"


def search_floor(user, text: str, limit: int) -> tuple[int, int]:
    """Each group's matching rows (the ids and the fields matched) as the search picks them."""
    rows = size = 0
    for views in searchables():
        model = views.model
        if not (user.may(scoping.VIEW, model) and user.may(views.pages_need, model)):
            continue
        queryset = matches(views, user, text).values("pk", *views.search.fields)[: limit + 1]
        n, b = sql_rows(queryset)
        rows, size = rows + n, size + b
    return rows, size


def suggest_floor(model, user, text: str) -> tuple[int, int]:
    return sql_rows(suggestion_rows(model.objects.for_user(user, scoping.VIEW), text))


def bench_search(bench, users: dict) -> None:
    from django.apps import apps

    for label in USERS:
        who = users[label]
        user, browser = who["user"], who["browser"]
        for text in SEARCH_TEXTS:
            for name, path, limit in (
                ("navbar results", reverse("search"), PAGE_LIMIT),
                ("navbar suggestions", reverse("search_suggest"), SUGGESTION_LIMIT),
            ):
                url = f"{path}?{urlencode({'q': text})}"

                def page(b=browser, u=url):
                    _response, body = get(b, u)
                    return body.count(HIT), len(body)

                bench.line(
                    "search",
                    f"{name} q={text}",
                    label,
                    page,
                    lambda u=user, t=text, n=limit: search_floor(u, t, n),
                    floor_name=FLOOR,
                )
        for model_label, texts in SUGGEST_TEXTS.items():
            model = apps.get_model(model_label)
            for text in texts:
                path = reverse("reference_suggest", args=[model_label])
                url = f"{path}?{urlencode({'q': text})}"

                def suggest(b=browser, u=url):
                    _response, body = get(b, u)
                    return body.count(b"<option"), len(body)

                bench.line(
                    "search",
                    f"suggest {model._meta.model_name} q={text or '(empty)'}",
                    label,
                    suggest,
                    lambda m=model, u=user, t=text: suggest_floor(m, u, t),
                    floor_name=FLOOR,
                )
