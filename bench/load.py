"""Load on loopback: N clients × S seconds against gunicorn, printing errors and p95.

    .venv/bin/python bench/load.py                  # 20 clients × 60 s, the demo database
    .venv/bin/python bench/load.py --clients 5 --seconds 10

It serves the app with gunicorn (as production does, DEBUG off) on a free
port, against the database the settings name (load the demo first: `make
run` does), issues API keys for the demo's administrator and coordinator,
and has each client cycle through API lists, details and the health probe
with one of them. Nothing is asserted: it prints, per endpoint, the requests,
the errors (any 5xx, or a failed connection; a 429 from the throttle is
counted apart) and the median and 95th-percentile latency.
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtrack.settings")

ENDPOINTS = (
    "/healthz",
    "/api/v1/pairings/",
    "/api/v1/projects/?page_size=100",
    "/api/v1/fund-transactions/?page_size=100",
    "/api/v1/deployments/",
    "/api/v1/assessments/",
    "/api/v1/outcome-reports/",
    "/api/v1/check-ins/",
)


def keys() -> list[str]:
    import django

    django.setup()
    from accounts.models import User
    from accounts.services import api_token_create

    users = User.objects.filter(username__in=["admin", "coord_zs"])
    if not users:
        sys.exit("No demo users: load the demo first (make run, or manage.py load_demo).")
    return [api_token_create(user=user, name="bench/load.py", days=1)[1] for user in users]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int, workers: int, throttle: bool) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "false", "LOG_LEVEL": "WARNING"}
    if not throttle:
        # Two keys for many clients would measure the per-token limit, not the app.
        env["API_THROTTLE_RATE"] = "1000000/min"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "aidtrack.wsgi", "-b", f"127.0.0.1:{port}"]
        + ["-w", str(workers), "--log-level", "warning"],
        cwd=BASE_DIR,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    sys.exit("gunicorn did not start")


def client(port, key, until, results, lock, offset):
    """One client: keep-alive connection, endpoints in turn, until the deadline."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Token {key}", "Accept": "application/json"}
    index = offset
    while time.monotonic() < until:
        path = ENDPOINTS[index % len(ENDPOINTS)]
        index += 1
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except OSError:
            status = 0
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        elapsed = time.perf_counter() - started
        with lock:
            results[path].append((status, elapsed))


def report(results, seconds) -> None:
    total = sum(len(rows) for rows in results.values())
    errors = throttled = 0
    print(f"{'endpoint':<44} {'requests':>8} {'errors':>6} {'429':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for path in ENDPOINTS:
        rows = results.get(path, [])
        if not rows:
            continue
        times = sorted(elapsed * 1000 for _status, elapsed in rows)
        failed = sum(1 for status, _ in rows if status == 0 or status >= 500)
        limited = sum(1 for status, _ in rows if status == 429)
        errors += failed
        throttled += limited
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(
            f"{path:<44} {len(rows):>8} {failed:>6} {limited:>5} "
            f"{statistics.median(times):>8.1f} {p95:>8.1f}"
        )
    print(
        f"\n{total} requests in {seconds} s ({total / seconds:.1f}/s), errors {errors}, "
        f"throttled {throttled}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument(
        "--throttle", action="store_true", help="keep the per-token API limit (API_THROTTLE_RATE)"
    )
    options = parser.parse_args()
    api_keys = keys()
    port = free_port()
    server = serve(port, options.workers, options.throttle)
    results, lock = defaultdict(list), threading.Lock()
    until = time.monotonic() + options.seconds
    threads = [
        threading.Thread(
            target=client, args=(port, api_keys[n % len(api_keys)], until, results, lock, n)
        )
        for n in range(options.clients)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(results, options.seconds)


if __name__ == "__main__":
    main()
