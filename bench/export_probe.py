"""One export in a fresh process: its time, rows, bytes and the rise of the peak RSS.

    DATABASE_URL=… .venv/bin/python bench/export_probe.py USERNAME URL

Run by bench/national.py for each export line; prints one JSON line. The peak
is the kernel's VmHWM, reset (``/proc/self/clear_refs``) after Django is set
up and a small page has been served, so it measures what the export adds.
The garbage collector is settled then, as a server process settles it once
started (aidtrack.wsgi, aidtrack.core.collector): without that, the probe
measured a collector no server runs with (a tenth of the ledger's export
went to full collections walking the start-up heap).
"""

import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtrack.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from aidtrack.core import collector  # noqa: E402
from bench.national import Counter  # noqa: E402


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def main() -> None:
    username, url = sys.argv[1], sys.argv[2]
    settings.DEBUG = False
    logging.getLogger("aidtrack.request").setLevel(logging.WARNING)
    logging.getLogger("axes").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at: .*staticfiles")
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.get(username=username))
    path = url.split("?")[0]
    client.get(path + "?per_page=25")  # templates, translations, the session: not the export
    collector.settle()
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    before = status_kib("VmRSS")
    counter = Counter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        response = client.get(url)
        size = lines = 0
        chunks = response.streaming_content if response.streaming else [response.content]
        for chunk in chunks:
            size += len(chunk)
            lines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    peak = status_kib("VmHWM")
    print(
        json.dumps(
            {
                "seconds": seconds,
                "bytes": size,
                "rows": max(lines - 1, 0),  # CSV: the header is a line (a totals row is too)
                "queries": counter.n,
                "rss_before_mib": before / 1024,
                "peak_rss_mib": (peak - before) / 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
