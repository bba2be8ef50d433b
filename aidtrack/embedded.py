"""The embedded PostgreSQL used when no DATABASE_URL is given.

pgserver ships real PostgreSQL binaries in its wheel, so a newcomer gets the
same engine and SQL as production without installing a server. The cluster
lives under var/ and is left running between commands (cleanup_mode=None):
the first start takes about a second, later ones reuse the running server.
"""

import warnings
from pathlib import Path
from urllib.parse import quote

EMBEDDED_DATABASE_NAME = "aidtrack"


def embedded_database_url(data_dir: Path) -> str:
    """Start (or reuse) the cluster in ``data_dir`` and return a DATABASE_URL for it."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI);
        # pgserver does not use that directory for the cluster.
        warnings.simplefilter("ignore")
        import pgserver  # imported lazily: production never needs it

        data_dir.mkdir(parents=True, exist_ok=True)
        server = pgserver.get_server(data_dir, cleanup_mode=None)
    # A constant name, not input: safe to interpolate.
    exists = server.psql(
        f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DATABASE_NAME}';"  # noqa: S608
    )
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {EMBEDDED_DATABASE_NAME};")
    # The server listens on a Unix socket inside data_dir; libpq takes the
    # socket directory as the host, percent-encoded in a URL.
    return f"postgres://postgres@{quote(str(data_dir), safe='')}/{EMBEDDED_DATABASE_NAME}"
