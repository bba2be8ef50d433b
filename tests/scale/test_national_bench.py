"""``bench/run.py --scale national`` runs end to end: every kind of line measured, none failing.

The bench is how issue 13's goals are checked, on a dataset of the checker's
own; a change that broke one of its lines would go unnoticed until then. This
runs it as a user would (a process of its own, a database of its own made by
``load_scale``) on a small dataset, one or two lines of each kind.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

# A line or two of each kind the run measures, for each of its users. Not the import lines:
# they build 100,000 rows whatever the dataset's size (tests/core test the import itself).
LINES = (
    r"^(api check-ins (page 1 ×100|deep page)|html (checkin ×25|team ×200 pairing)"
    r"|detail checkin|hub .* tab=funds|dashboard overview, top level|search navbar results q=食"
    r"|export (people csv|iati)|refresh assessment_refresh\(county|write project"
    r"|write with the change feed|API change feed)"
)
KINDS = {"api", "html", "detail", "hub", "dashboard", "search", "export", "refresh", "write",
         "write with the change feed", "API change feed"}  # fmt: skip
USERS = {"leader", "coord-province", "coord-city"}


@pytest.mark.skipif(
    settings.DATABASE_SOURCE != "external",
    reason="the bench makes its database beside the tests' on a server it reaches by URL",
)
def test_the_national_bench_measures_every_kind_of_line(tmp_path):
    results = tmp_path / "national.json"
    env = {
        **os.environ,
        # Its own database, named for this process: parallel test runs never share one.
        "BENCH_DATABASE": f"aidtrack_bench_test_{os.getpid()}",
        "REDIS_URL": "",  # as bench/README.md runs it: tasks eager, the cache in process
    }
    run = subprocess.run(
        [sys.executable, "bench/run.py", "--scale", "national", "--dataset-scale", "0.003",
         "--repeat", "1", "--only", LINES, "--json", str(results)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    lines = json.loads(results.read_text())["lines"]

    assert [line for line in lines if "error" in line] == []
    assert {line["group"] for line in lines} == KINDS
    for kind in ("api", "html", "detail", "dashboard"):
        assert {line["user"] for line in lines if line["group"] == kind} == USERS, kind
    measured = [line for line in lines if line["group"] in {"api", "html", "detail"}]
    assert all(line["ms"] > 0 and line["floor_ms"] > 0 and line["queries"] for line in measured)
    # A coordinator's line is timed beside the leader's same request, where there is one
    # (a city coordinator's list filtered to its city pairing has none).
    leaders = {line["name"] for line in measured if line["user"] == "leader"}
    compared = [line for line in measured if line["user"] != "leader" and line["name"] in leaders]
    assert compared and all(line.get("vs_leader") for line in compared)
    # A page shows the rows its floor reads (an HTML deep page's floor is its page 1).
    for line in measured:
        if line["group"] == "api" or (line["group"] == "html" and "deep" not in line["name"]):
            assert line["rows"] == line["floor_rows"], line["name"]
    deep = [line for line in lines if "deep page" in line["name"]]
    assert deep and all(line.get("page1_ms") for line in deep)
    assert "goals (issue 13):" in run.stdout
    assert f"{env['BENCH_DATABASE']}_national dropped" in run.stdout
