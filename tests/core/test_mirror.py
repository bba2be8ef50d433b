"""The reference mirror client (docs/examples/mirror.py) against a live server.

After creates, updates, deletes, moves across scopes, nested changes and a
transaction that commits late, a mirror kept by the feed equals a fresh full
pull, row for row, for an administrator and for a scoped coordinator.
"""

import sqlite3
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from aidtrack.core.testing import ADMIN, COORDINATOR
from funds.models import Donation, FundTransaction
from projects.models import ProgressUpdate
from tests.core.test_feed import committed_late, organization
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "mirror.py"


def run_mirror(live_server, token, db):
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--api",
            f"{live_server.url}/api/v1",
            f"--token={token}",  # one word: a key may begin with "-"
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def tables(db) -> dict:
    connection = sqlite3.connect(db)
    names = [
        n
        for (n,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> '_state'"
        )
    ]
    return {n: dict(connection.execute(f'SELECT id, body FROM "{n}"').fetchall()) for n in names}


def donation(pairing, name="中山市慈善总会"):
    return Donation.objects.create(
        pairing=pairing, date=date(2023, 5, 1), kind="cash", donor_name=name, amount=Decimal(100)
    )


def test_the_mirror_equals_a_fresh_pull(world, live_server, tmp_path):
    inside, outside = world.in_scope_pairing, world.out_of_scope_pairing
    project = ProjectFactory(pairing=inside)
    entry = FundTransaction.objects.create(
        project=project, kind="commitment", date=date(2023, 3, 1), amount=Decimal("500.00")
    )
    gone = donation(inside)
    kept = donation(outside)
    mirrors = {role: tmp_path / f"{role}.sqlite3" for role in (ADMIN, COORDINATOR)}
    tokens = {role: world.token(role) for role in mirrors}
    for role, db in mirrors.items():
        assert run_mirror(live_server, tokens[role], db).strip() == "pulled everything"
    assert str(project.pk) in str(tables(mirrors[COORDINATOR])["projects"].keys())

    # Creates, updates, deletes; a project moved out of the coordinator's scope with
    # its transactions; a nested change; an organisation renamed.
    new_project = ProjectFactory(pairing=inside)
    kept.donor_name = "改名"
    kept.save()
    gone.delete()
    project.pairing, project.region = outside, outside.helped_region
    project.save()
    ProgressUpdate.objects.create(project=new_project, date=date(2023, 6, 1), percent=30)

    # A transaction that commits after the first sync below has read past it.
    with committed_late(lambda: organization(world, "迟到的单位")):
        for role, db in mirrors.items():
            run_mirror(live_server, tokens[role], db)
    for role, db in mirrors.items():
        run_mirror(live_server, tokens[role], db)

    for role, db in mirrors.items():
        fresh = tmp_path / f"{role}-fresh.sqlite3"
        run_mirror(live_server, tokens[role], fresh)
        assert tables(db) == tables(fresh), role
    coordinator = tables(mirrors[COORDINATOR])
    assert project.pk not in coordinator["projects"]
    assert entry.pk not in coordinator["fund-transactions"]
    assert new_project.pk in coordinator["projects"]
    assert any("迟到的单位" in body for body in coordinator["organizations"].values())
