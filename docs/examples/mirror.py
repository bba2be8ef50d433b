#!/usr/bin/env python3
"""A reference mirror of AidTrack in SQLite, kept up to date through the change feed.

    python docs/examples/mirror.py --api https://aidtrack.example/api/v1 \
        --token=KEY --db mirror.sqlite3

Run it as often as you like (cron, every few minutes). The first run pulls
every resource the token can read; later runs follow the change feed:

1. ``GET /changes/`` (first run only) hands out a starting cursor; every
   resource is then pulled in full, page by page.
2. ``GET <next>`` lists what changed since, in commit order. A ``deleted``
   change removes the row (a record that left your scope reads as deleted);
   the others are fetched again, 500 ids at a time with ``?id=…``; an id
   that no longer comes back is removed too.
3. The cursor is saved with the rows it covers, in one SQLite transaction,
   so a crash repeats at most the last page (every step is idempotent).
4. ``410 Gone`` (cursor too old, or your scope changed): start again at 1.

Only the Python standard library is used. Each resource is a table of
(id, JSON body) rows, written exactly as the API returned them.
"""

import argparse
import json
import sqlite3
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BATCH = 500


class Resync(Exception):
    """The feed cannot be followed from the saved cursor: pull everything again."""


class Api:
    def __init__(self, base: str, token: str):
        if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
            raise SystemExit("--api must be an http(s) URL")
        self.base = base.rstrip("/") + "/"
        self.token = token

    def get(self, url: str, params: dict | None = None) -> dict:
        if not url.startswith("http"):
            url = urllib.parse.urljoin(self.base, url)
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
            url, headers={"Authorization": f"Token {self.token}", "Accept": "application/json"}
        )
        for attempt in range(5):
            try:
                with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                    return json.load(response)
            except urllib.error.HTTPError as error:
                if error.code == 410:
                    raise Resync(json.load(error).get("message", "")) from None
                if error.code == 429 or error.code >= 500:  # throttled or briefly down
                    time.sleep(int(error.headers.get("Retry-After") or 2**attempt))
                    continue
                raise
        raise RuntimeError(f"{url} kept failing")

    def pages(self, url: str, params: dict | None = None):
        """Every row of a list, following its next links."""
        page = self.get(url, params)
        while True:
            yield from page["results"]
            if not page.get("next"):
                return
            page = self.get(page["next"])


class Mirror:
    def __init__(self, path: str):
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS _state (key TEXT PRIMARY KEY, value TEXT)")

    def state(self, key: str):
        row = self.db.execute("SELECT value FROM _state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_state(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO _state VALUES (?, ?)", (key, value))

    def table(self, resource: str) -> str:
        name = '"' + resource.replace('"', "") + '"'
        self.db.execute(f"CREATE TABLE IF NOT EXISTS {name} (id INTEGER PRIMARY KEY, body TEXT)")
        return name

    def put(self, resource: str, row: dict) -> None:
        self.db.execute(
            f"INSERT OR REPLACE INTO {self.table(resource)} VALUES (?, ?)",  # noqa: S608
            (row["id"], json.dumps(row, ensure_ascii=False, sort_keys=True)),
        )

    def remove(self, resource: str, ids) -> None:
        self.db.executemany(
            f"DELETE FROM {self.table(resource)} WHERE id = ?",  # noqa: S608
            [(i,) for i in ids],
        )


def full_pull(api: Api, mirror: Mirror) -> None:
    start = api.get("changes/")  # the cursor first: nothing changed after it is missed
    with mirror.db:
        for (name,) in mirror.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> '_state'"
        ).fetchall():
            mirror.db.execute(f'DROP TABLE "{name}"')
        for resource in start["resources"]:
            mirror.table(resource)
            for row in api.pages(f"{resource}/", {"page_size": BATCH}):
                mirror.put(resource, row)
        mirror.set_state("cursor", start["next"])


def follow(api: Api, mirror: Mirror) -> int:
    """Apply every change since the saved cursor; the number of changes applied."""
    applied = 0
    url = mirror.state("cursor")
    while True:
        page = api.get(url)
        fetch: dict[str, set[int]] = {}
        with mirror.db:
            for change in page["results"]:
                if change["action"] == "deleted":
                    mirror.remove(change["resource"], [change["id"]])
                else:
                    fetch.setdefault(change["resource"], set()).add(change["id"])
            for resource, ids in fetch.items():
                ids = sorted(ids)
                for i in range(0, len(ids), BATCH):
                    wanted = ids[i : i + BATCH]
                    params = {"id": ",".join(map(str, wanted)), "page_size": BATCH}
                    found = {row["id"]: row for row in api.pages(f"{resource}/", params)}
                    for row in found.values():
                        mirror.put(resource, row)
                    mirror.remove(resource, set(wanted) - set(found))
            mirror.set_state("cursor", page["next"])
        applied += len(page["results"])
        url = page["next"]
        if not page["more"]:
            return applied


def sync(api: Api, mirror: Mirror) -> str:
    if mirror.state("cursor") is None:
        full_pull(api, mirror)
        return "pulled everything"
    try:
        return f"{follow(api, mirror)} changes applied"
    except Resync as reason:
        print(f"resync: {reason}", file=sys.stderr)
        full_pull(api, mirror)
        return "pulled everything again"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--api", required=True, help="e.g. https://aidtrack.example/api/v1")
    # Given as --token=KEY: a key may begin with "-", which on its own reads as an option.
    parser.add_argument("--token", required=True, help="the API key, as --token=KEY")
    parser.add_argument("--db", required=True, help="SQLite file")
    args = parser.parse_args(argv)
    print(sync(Api(args.api, args.token), Mirror(args.db)))


if __name__ == "__main__":
    main()
