"""Shared test data: built once per module, every test in a savepoint of its own.

Most tests start from the same rows (``world``: the pairing tree and one user
per role; in places the indicator catalogue or two years of records on top).
Building them for every one of thousands of tests dominated the suite's time,
so each such fixture is a *layer*: built once, inside an atomic block that is
rolled back (never committed) when the module is done or a test needs less::

    transaction (rolled back)        ← layer "world"
      savepoint (rolled back)        ← layer "indicators"
        savepoint (rolled back)      ← layer "books"
          savepoint (rolled back)    ← the test (pytest-django's ``db``)

A test gets exactly the layers whose fixtures it requests (directly or through
other fixtures), nothing more: before each test (``pytest_runtest_setup``, so
before any database fixture opens the test's own atomic block) the stack is
rolled back to the longest prefix the test needs and the missing layers are
built on top. Python objects are never shared: each test gets a deep copy of
the layers' objects (models included), so what a test changes in memory (a
cached scope, an attribute, a lazily created API key) dies with it, as its
rows die with its savepoint.

Transactional tests (``transaction=True``, ``transactional_db``,
``live_server``: threads or another process must see committed rows) get no
shared layers: the stack is rolled back first and the fixtures build their
rows in the test's own, committed, transaction, as they always did.

A new layer: ``@layer("name")`` on a builder taking the state dict (the lower
layers' objects by name, deep-copied) and storing its own under ``name``; a
fixture of the same name returns ``shared_state["name"]`` when the state has
it and builds the same thing in the test's transaction otherwise (see
``world`` in tests/conftest.py). A builder must leave nothing outside the
database behind but the cache entries it writes (they are restored for every
test): no files, no Python-side caches.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.db import connection, transaction

# Builders by layer name, in the order they stack (registration order), and
# where each applies: the tests under its conftest's folder, or in its module.
LAYERS: dict[str, Callable[[dict], None]] = {}
_WHERE: dict[str, Path] = {}


def layer(name: str):
    """Register ``builder(state)`` as the shared layer ``name`` (the fixture's name).

    It applies where the builder is defined: in a conftest.py, to the tests
    of that folder and below; in a test module, to that module's tests.
    """

    def register(builder):
        defined_in = Path(builder.__code__.co_filename).resolve()
        LAYERS[name] = builder
        _WHERE[name] = defined_in.parent if defined_in.name == "conftest.py" else defined_in
        return builder

    return register


def _applies(name: str, item) -> bool:
    where = _WHERE[name]
    path = Path(item.path).resolve()
    return path == where or where in path.parents


def is_transactional(item) -> bool:
    """Whether pytest-django runs ``item`` as a TransactionTestCase (really committing)."""
    marker = item.get_closest_marker("django_db")
    if marker is not None:
        flags = ("transaction", "reset_sequences")
        if marker.args[:1] == (True,) or any(marker.kwargs.get(flag) for flag in flags):
            return True
    names = getattr(item, "fixturenames", ())
    return any(
        name in names for name in ("transactional_db", "live_server", "django_db_reset_sequences")
    )


def needed_layers(item) -> list[str]:
    """The layers ``item`` uses, in stacking order; none for transactional tests."""
    if is_transactional(item):
        return []
    names = getattr(item, "fixturenames", ())
    return [name for name in LAYERS if name in names and _applies(name, item)]


def clear_cache() -> None:
    """Empty this process's part of the cache (its key prefix), not the whole server.

    ``cache.clear()`` on Redis flushes the database, i.e. the other xdist
    workers' entries too.
    """
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


def _cache_snapshot() -> dict:
    if hasattr(cache, "keys"):  # django-redis
        keys = cache.keys("*")
        return cache.get_many(keys) if keys else {}
    return {  # LocMemCache: its own stored (pickled) values and expiry times
        "_cache": dict(cache._cache),
        "_expire_info": dict(cache._expire_info),
    }


def _cache_restore(snapshot: dict) -> None:
    clear_cache()
    if not snapshot:
        return
    if hasattr(cache, "keys"):
        cache.set_many(snapshot)
    else:
        cache._cache.update(snapshot["_cache"])
        cache._expire_info.update(snapshot["_expire_info"])


@dataclass
class _Level:
    name: str
    atomic: transaction.Atomic
    state: dict
    cache: dict


class SharedStack:
    """The layers currently built, each in its own atomic block on the default connection."""

    def __init__(self, blocker):
        self.blocker = blocker
        self.levels: list[_Level] = []

    @property
    def names(self) -> list[str]:
        return [level.name for level in self.levels]

    def sync(self, needed: list[str]) -> None:
        """Roll back to the longest prefix of ``needed`` and build the rest on top."""
        if self.names == needed:
            return
        with self.blocker.unblock(), _tasks_in_process():
            while self.names != needed[: len(self.levels)]:
                self._pop()
            for name in needed[len(self.levels) :]:
                self._push(name)

    def close(self) -> None:
        with self.blocker.unblock():
            while self.levels:
                self._pop()

    def state_for_test(self) -> dict | None:
        """A deep copy of the layers' objects, with the cache as the layers left it."""
        if not self.levels:
            return None
        _cache_restore(self.levels[-1].cache)
        state = copy.deepcopy(self.levels[-1].state)
        world = state.get("world")
        if world is not None:
            for user in world.users.values():
                user.forget_scope()
        return state

    def _push(self, name: str) -> None:
        state = copy.deepcopy(self.levels[-1].state) if self.levels else {}
        _cache_restore(self.levels[-1].cache if self.levels else {})
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            LAYERS[name](state)
            # Check the layer's deferred foreign keys now, once. Left queued, they
            # were checked again at every test's teardown (TestCase checks the
            # constraints before rolling back its savepoint, and the rollback
            # queues them again): 0.7 s a test over the demo's rows.
            connection.check_constraints()
        except BaseException:
            atomic.__exit__(*sys.exc_info())
            raise
        self.levels.append(_Level(name, atomic, state, _cache_snapshot()))

    def _pop(self) -> None:
        level = self.levels.pop()
        transaction.set_rollback(True)
        level.atomic.__exit__(None, None, None)
        clear_cache()


class _tasks_in_process:
    """Celery tasks queued while a layer is built run at once, as in the tests."""

    def __enter__(self):
        from aidtrack.celery import app

        self.previous = app.conf.task_always_eager
        app.conf.task_always_eager = True

    def __exit__(self, *exc):
        from aidtrack.celery import app

        app.conf.task_always_eager = self.previous


# The stack of the module being run (None between modules); set by the
# ``_shared_stack`` fixture, synced before each test by pytest_runtest_setup.
current: SharedStack | None = None
# The test being set up (pytest_runtest_setup), for the stack's first sync.
current_item = None


@contextmanager
def open_stack(django_db_blocker):
    """The stack of a fixture scope (a module, or the demo package), rolled back at its end."""
    global current
    stack = SharedStack(django_db_blocker)
    current = stack
    try:
        # The scope's first test: pytest_runtest_setup ran before the stack existed.
        stack.sync(needed_layers(current_item))
        yield stack
    finally:
        stack.close()
        current = None
