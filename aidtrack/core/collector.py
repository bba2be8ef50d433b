"""Python's garbage collector set for a long-running server process.

CPython frees most objects by reference counting; its cyclic collector
also walks, in a *full* collection, every container object the process
holds. A page of 500 records keeps ~50,000 objects alive while it is
built, so each young collection during the request promotes them, and
every request or two the promoted count triggers a full collection: a
walk of the whole heap (~200,000 objects once Django and the apps are
loaded), 70–180 ms added to whichever request it falls on (measured in
bench/, `--scale national`: single API pages of 80 ms took 200–280 ms).

``settle()``, once the process has loaded what it serves:

- moves everything alive into the permanent generation (``gc.freeze()``):
  modules, classes, URL patterns and templates are never walked again;
- collects the young generation only every ``YOUNG_OBJECTS`` allocations,
  so a request's objects are mostly freed by reference counting before a
  collection could promote them.

Cycles are still collected; full collections become rare and walk only
what was allocated since start-up.
"""

import gc

YOUNG_OBJECTS = 50_000
# Young collections between collections of the middle generation, and those between
# full ones (each full one still waits for a quarter of the heap to be new: CPython's rule).
MIDDLE_EVERY = 20
FULL_EVERY = 10


def settle(*, serves_pages: bool = True) -> None:
    """Once a server process has started: load what it serves, freeze it, and collect
    young objects less often (see above). A worker serves no page: its views are
    not imported for it."""
    if serves_pages:
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 - imports every view, serializer and form
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, MIDDLE_EVERY, FULL_EVERY)
