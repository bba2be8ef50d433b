"""The demo tests share one loaded database per xdist worker.

Loading the 44,700 regions and every app's demo takes tens of seconds, so it
is done once, as two shared layers (tests/shared.py) kept for the whole
package instead of per module: ``regions_loaded`` (``load_regions``) and
``demo_loaded``
on top of it (``load_indicators``, ``load_default_rubric`` and
``load_demo``, as ``make demo`` runs them). Both are rolled back, never
committed, when the package is done; each test runs in a savepoint of its
own, so what it loads or changes on top is gone for the next.

Every module here is marked ``xdist_group("demo")`` so that ``--dist
loadgroup`` sends them all to one worker, which loads the demo once. Tests
that need the regions without the demo (``regions_loaded``) sort first by module
name (test_funds_on_regions.py), so the demo is loaded once, after them.
"""

import pytest
from django.core.management import call_command

from tests import shared


@shared.layer("regions_loaded")
def _regions_layer(state):
    call_command("load_regions", verbosity=0)


@shared.layer("demo_loaded")
def _demo_layer(state):
    call_command("load_indicators", verbosity=0)
    call_command("load_default_rubric", "--years", "2021-2025", verbosity=0)
    call_command("load_demo", verbosity=0)


@pytest.fixture(scope="package")
def _shared_stack(django_db_setup, django_db_blocker):
    """As tests/conftest.py's, but kept from one module to the next of this package."""
    with shared.open_stack(django_db_blocker) as stack:
        yield stack


@pytest.fixture
def regions_loaded(shared_state, db):
    """Every region (load_regions): shared, or loaded in the test's transaction."""
    if shared_state is None:
        _regions_layer({})


@pytest.fixture
def demo_loaded(shared_state, regions_loaded, db):
    """The regions and the whole demo: shared, or loaded in the test's transaction."""
    if shared_state is None:
        _demo_layer({})
