"""The demo's 中山→六盘水 dashboard on a 390 px phone: nothing wider than the screen.

A live server cannot see the demo (it is loaded once per worker in a
transaction that is rolled back, tests/demo/conftest.py), and Playwright's
event loop in this process would hide it from the test's own queries too. So
the leader's pages are made here by the test client, then drawn by Chromium
at 390×844 in a process of its own (tests/demo/phone_probe.py), which
answers the page with what Django made and its CSS, JS and fonts from the
static files, as a server would.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from pairings.models import Pairing
from tests.e2e.conftest import CHROMIUM

pytestmark = [pytest.mark.xdist_group("demo"), pytest.mark.e2e]

PHONE_WIDTH = 390
PROBE = Path(__file__).with_name("phone_probe.py")


def _static_folders() -> list:
    folders = []
    for entry in settings.STATICFILES_DIRS:
        prefix, folder = entry if isinstance(entry, tuple) else ("", entry)
        folders.append([prefix, str(folder)])
    return folders


def _drawn_on_a_phone(tmp_path, paths: list[str]) -> dict:
    """What Chromium measures on each of the leader's ``paths`` at 390×844."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    client = Client()
    client.force_login(User.objects.get(username="leader"))
    pages = {}
    for number, path in enumerate(paths):
        response = client.get(path)
        assert response.status_code == 200, path
        file = tmp_path / f"page{number}.html"
        file.write_bytes(response.content)
        pages[path] = str(file)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"pages": pages, "static": _static_folders()}))
    done = subprocess.run(
        [sys.executable, str(PROBE), CHROMIUM, str(spec)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_zs_lps_dashboard_fits_a_390_px_phone(demo_loaded, tmp_path):
    pairing = Pairing.objects.get(helping_region__name="中山市", helped_region__name="六盘水市")
    base = f"/assessments/pairing/{pairing.pk}/"
    paths = [base, f"{base}?year=2023", f"{base}?year=2021"]
    measured = _drawn_on_a_phone(tmp_path, paths)
    for path in paths:
        assert pairing.helped_region.name in measured[path]["h1"], path
        width = measured[path]["width"]
        assert width <= PHONE_WIDTH, f"{path} is {width} px wide on a 390 px phone"
    # The wide figures table scrolls within itself: every column is still there.
    scroll_width, client_width, overflow = measured[f"{base}?year=2023"]["table"]
    assert overflow == "auto" and client_width <= PHONE_WIDTH < scroll_width
