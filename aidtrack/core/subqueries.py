"""Figures per row of a query, as correlated subqueries."""

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_per_row(related, field: str):
    """How many rows of ``related`` point at each row of the outer query through ``field``
    (0 for none), to annotate it with.

    A subquery for each row the page shows (on ``field``'s index), not a GROUP BY
    over every related row: a page costs what it shows.
    """
    counted = (
        related.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted), 0)
