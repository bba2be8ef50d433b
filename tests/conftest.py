"""Shared fixtures: a small pairing tree and one user per role.

广东省 → 贵州省 (province)
├── 中山市 → 六盘水市          ← the coordinator's scope
│   └── 中山港街道 → 水城区     ← "in scope"
└── 广州市 → 毕节市
    └── 天河区 → 七星关区       ← "out of scope"
"""

import os
from dataclasses import dataclass, field

import pytest

from accounts.choices import Role
from accounts.services import api_token_create
from aidtrack.celery import app as celery_app
from aidtrack.core import summaries
from aidtrack.core.testing import ADMIN, COORDINATOR, LEADER, PARTNER
from pairings.choices import PairingLevel
from tests import shared
from tests.factories import PairingFactory, UserFactory, region


@dataclass
class World:
    regions: dict
    pairings: dict
    users: dict
    _tokens: dict = field(default_factory=dict)

    def user(self, role):
        return self.users[role]

    def token(self, role, *, write=True):
        """An API key for the role's user; partners get read-only keys, as in the demo.

        Created on first use, in the test's transaction: each test has its own
        copy of the world, so a key never outlives the row it stands for.
        """
        write = write and role != PARTNER
        if (role, write) not in self._tokens:
            _token, key = api_token_create(user=self.user(role), can_write=write, days=30)
            self._tokens[(role, write)] = key
        return self._tokens[(role, write)]

    @property
    def in_scope_pairing(self):
        return self.pairings["zsg-sc"]

    @property
    def out_of_scope_pairing(self):
        return self.pairings["th-xqg"]


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Tasks run in the test's process, even where REDIS_URL names a real broker.

    A test asserts what a task did, and no worker consumes the queue during
    the suite; only tests marked ``celery_worker`` start one and go through
    Redis. The cache stays whatever REDIS_URL makes it.
    """
    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def build_world() -> World:
    """The pairing tree and one user per role (see the module's docstring)."""
    gd = region("440000", "广东省")
    zs = region("442000", "中山市", gd)
    gz = region("440100", "广州市", gd)
    gzh = region("520000", "贵州省")
    lps = region("520200", "六盘水市", gzh)
    bj = region("520500", "毕节市", gzh)
    regions = {
        "gd": gd,
        "zs": zs,
        "zsg": region("442000003", "中山港街道", zs),
        "nq": region("442000005", "南区街道", zs),
        "gz": gz,
        "th": region("440106", "天河区", gz),
        "by": region("440111", "白云区", gz),
        "gzh": gzh,
        "lps": lps,
        "sc": region("520204", "水城区", lps),
        "lz": region("520203", "六枝特区", lps),
        "pz": region("520281", "盘州市", lps),
        "bj": bj,
        "xqg": region("520502", "七星关区", bj),
        "dF": region("520521", "大方县", bj),
    }
    gd_gz = PairingFactory(helping_region=gd, helped_region=gzh, level=PairingLevel.PROVINCE)
    zs_lps = PairingFactory(
        helping_region=zs, helped_region=lps, level=PairingLevel.PREFECTURE, parent=gd_gz
    )
    gz_bj = PairingFactory(
        helping_region=gz, helped_region=bj, level=PairingLevel.PREFECTURE, parent=gd_gz
    )
    pairings = {
        "gd-gz": gd_gz,
        "zs-lps": zs_lps,
        "gz-bj": gz_bj,
        "zsg-sc": PairingFactory(
            helping_region=regions["zsg"], helped_region=regions["sc"], parent=zs_lps
        ),
        "th-xqg": PairingFactory(
            helping_region=regions["th"], helped_region=regions["xqg"], parent=gz_bj
        ),
    }
    coordinator = UserFactory(username="coord", role=Role.COORDINATOR)
    coordinator.scope_pairings.set([zs_lps])
    users = {
        ADMIN: UserFactory(username="admin", role=Role.ADMINISTRATOR),
        COORDINATOR: coordinator,
        LEADER: UserFactory(username="leader", role=Role.LEADER),
        PARTNER: UserFactory(username="partner", role=Role.PARTNER),
    }
    return World(regions=regions, pairings=pairings, users=users)


def build_indicators() -> dict:
    """The projects app's indicator catalogue (which the default rubric scores), by code."""
    from projects.catalogue import indicators_load
    from projects.models import Indicator

    indicators_load()
    return Indicator.objects.in_bulk(field_name="code")


# --- shared layers (tests/shared.py) ---------------------------------------------------


@shared.layer("world")
def _world_layer(state):
    state["world"] = build_world()


@shared.layer("indicators")
def _indicators_layer(state):
    state["indicators"] = build_indicators()


# Tests under these paths share a stack of layers wider than a module (the
# demo: tests/demo/conftest.py): under xdist they all go to one worker.
SAME_WORKER = ("tests/demo/",)


def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup``, working, and keeping each class or module on one worker.

    xdist 3.8 groups ``xdist_group``-marked tests by appending the group to
    their node ids, which pytest 9.2's read-only node ids silently ignore; so
    the groups are named here by path (SAME_WORKER; the marks stay for
    xdist's own loadgroup once it works again). Other tests are scheduled by
    class, or by module for test functions (xdist's loadscope), so that a
    module's shared layers (tests/shared.py) are built on one worker, once.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            for prefix in SAME_WORKER:
                if nodeid.startswith(prefix):
                    return prefix
            return super()._split_scope(nodeid)

    return Scheduling(config, log)


def pytest_configure(config):
    # Each xdist worker has its own test database, whose primary keys start
    # at 1 like the others': give it its own part of the shared Redis cache.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        from django.conf import settings

        for alias in settings.CACHES.values():
            alias["KEY_PREFIX"] = f"{alias.get('KEY_PREFIX', '')}-{worker}"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Bring the module's shared layers to what this test uses, before its fixtures run."""
    shared.current_item = item
    if shared.current is not None:
        shared.current.sync(shared.needed_layers(item))


@pytest.fixture(scope="module")
def _shared_stack(django_db_setup, django_db_blocker):
    """The module's stack of shared layers, rolled back when the module is done."""
    with shared.open_stack(django_db_blocker) as stack:
        yield stack


@pytest.fixture
def shared_state(request, _shared_stack):
    """This test's deep copy of the shared layers' objects; None for transactional tests."""
    if _shared_stack.names != shared.needed_layers(request.node):
        return None  # transactional, or asked for a layer dynamically: build in the test
    return _shared_stack.state_for_test()


@pytest.fixture
def world(shared_state, db):
    """The pairing tree and users: shared (rolled back per test), or committed for
    transactional tests (``transaction=True``, ``transactional_db``, ``live_server``)."""
    if shared_state is not None:
        return shared_state["world"]
    return build_world()


@pytest.fixture
def indicators(shared_state, db):
    """The projects app's indicator catalogue, by code."""
    if shared_state is not None:
        return shared_state["indicators"]
    return build_indicators()


@pytest.fixture
def announcements():
    """What summary builders hear (``aidtrack.core.summaries``), in order."""
    heard = []
    summaries.subscribe(heard.append)
    yield heard
    summaries.unsubscribe(heard.append)
