"""“A pairing's figures for a year changed”: the one signal summary builders listen to.

Summaries (assessments) are computed from the records of cadres, projects and
funds, but those apps come before assessments in the dependency direction and
must not import it. So the services that change such records call::

    from aidtrack.core import summaries
    summaries.changed(pairing_id, year)

inside their transaction, and whoever builds summaries subscribes once, in its
AppConfig.ready(). A subscriber decides what to do (assessments debounces and
refreshes after the commit); with no subscriber the call does nothing.

``year`` is the year the change belongs to (a deployment's start year, a
transaction's date, a report's period); the subscriber also refreshes what
depends on it (parent pairings, the following year's growth figures).
"""

from collections.abc import Callable

Subscriber = Callable[[int, int], None]

_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    """Call ``subscriber(pairing_id, year)`` on every change; subscribing twice is harmless."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def unsubscribe(subscriber: Subscriber) -> None:
    if subscriber in _subscribers:
        _subscribers.remove(subscriber)


def changed(pairing_id: int, year: int) -> None:
    """Records of ``pairing_id`` that count for ``year`` were created, changed or deleted."""
    for subscriber in list(_subscribers):
        subscriber(pairing_id, year)


def changed_years(pairing_id: int, years) -> None:
    """The same for a record that spans several years (a deployment of 2021–2023)."""
    for year in sorted(set(years)):
        changed(pairing_id, year)
