"""“These pairings' figures for these years changed”: the announcement summary builders hear.

Rows of cadres, projects and funds count in yearly figures per pairing, but
those apps come before the app that builds the figures (assessments) and may
not import it. So a model says what it counts for, and core announces it:

* ``summary_fields``: the fields whose values count in (or place the row in)
  a figure. Saving a row announces a change only when one of them differs
  from the value loaded from the database; a change to anything else (a
  person's rank) announces nothing and costs no query.
* ``summary_keys()``: the (pairing id, year) pairs the row counts for. Both
  the pairs before the change (computed from the loaded values) and after
  it are announced, so a move to another pairing or year is heard.

``BaseModel.save()``/``delete()`` do this for single rows. Bulk writes
(imports, loaders, ``QuerySet.update``) announce their keys themselves, in
one call: ``summaries.announce(keys)``.

Whoever builds summaries subscribes once, in its AppConfig.ready(), and
decides what to do (assessments records the pairs durably in the write's own
transaction and refreshes after the commit). With no subscriber nothing
happens. ``year`` is the year the change belongs to; the subscriber also
refreshes what depends on it (parent pairings, the following year's growth).
"""

import contextlib
from collections.abc import Callable, Iterable
from contextvars import ContextVar

Key = tuple[int, int]
Subscriber = Callable[[frozenset[Key]], None]

_subscribers: list[Subscriber] = []
# Inside ``gathered()``: the keys announced so far, announced once on the way out.
_gathering: ContextVar[set | None] = ContextVar("summaries_gathering", default=None)


@contextlib.contextmanager
def gathered():
    """Announce every key of the block once, at its end (an import of many rows).

    The subscriber then records each pair once instead of once per row. On an
    exception nothing is announced: the writes roll back with it.
    """
    if _gathering.get() is not None:  # already gathering: the outer block announces
        yield
        return
    keys: set = set()
    token = _gathering.set(keys)
    try:
        yield
    finally:
        _gathering.reset(token)
    announce(keys)


def subscribe(subscriber: Subscriber) -> None:
    """Call ``subscriber(keys)`` on every announcement; subscribing twice is harmless."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def unsubscribe(subscriber: Subscriber) -> None:
    if subscriber in _subscribers:
        _subscribers.remove(subscriber)


def announce(keys: Iterable[Key]) -> None:
    """Records counting for these (pairing id, year) pairs were created, changed or deleted."""
    complete = frozenset((pairing_id, year) for pairing_id, year in keys if pairing_id and year)
    if not complete:
        return
    gathering = _gathering.get()
    if gathering is not None:
        gathering.update(complete)
        return
    for subscriber in list(_subscribers):
        subscriber(complete)
