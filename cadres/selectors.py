"""Reads over people and deployments that are more than a filter."""

from datetime import date

from django.db.models import Q

from cadres.choices import DeploymentStatus


def deployment_active_on(day: date) -> Q:
    """Deployments under way on ``day``: started, not ended, not merely planned."""
    return (
        Q(start_date__lte=day)
        & ~Q(status=DeploymentStatus.PLANNED)
        & (Q(actual_end_date__gte=day) | Q(actual_end_date__isnull=True, planned_end_date__gte=day))
    )
