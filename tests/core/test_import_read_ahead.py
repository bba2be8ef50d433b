"""The sheet's next batch is read in a thread while the last one is stored (imports.ahead)."""

import itertools
import threading
import time

import pytest
from django.db import connection
from django.utils import translation

from aidtrack.core.imports.ahead import read_ahead
from aidtrack.core.imports.reading import FileRefused


def test_batches_arrive_in_order_and_the_thread_ends():
    with read_ahead(lambda _pace: iter(range(50))) as batches:
        assert list(batches) == list(range(50))
    assert not [t for t in threading.enumerate() if t.name == "import-read-ahead"]


def test_a_refusal_is_raised_at_the_batch_where_it_happened():
    def batches(_pace):
        yield "first"
        yield "second"
        raise FileRefused("too many rows")

    seen = []
    with pytest.raises(FileRefused, match="too many rows"), read_ahead(batches) as ready:
        for batch in ready:
            seen.append(batch)
    assert seen == ["first", "second"]


def test_a_reader_that_stops_early_stops_the_thread():
    produced = []

    def endless(pace):
        n = 0
        while True:
            pace()
            produced.append(n)
            yield n
            n += 1

    with pytest.raises(RuntimeError), read_ahead(endless) as ready:
        for batch in ready:
            if batch == 3:
                raise RuntimeError("cancelled")
    assert not [t for t in threading.enumerate() if t.name == "import-read-ahead"]
    assert len(produced) <= 6  # at most a batch ahead (and one waiting for room)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_thread_reads_in_the_reader_language(language):
    with (
        translation.override(language),
        read_ahead(lambda _pace: iter([translation.get_language()])) as ready,
    ):
        assert list(ready) == [language]


@pytest.mark.django_db
def test_the_thread_reads_only_while_the_reader_waits_on_the_database():
    """Two threads running Python share one lock: rows are read while the import queries."""
    produced = []

    def rows(pace):
        for n in itertools.count():
            pace()
            produced.append(n)
            if len(produced) % 100 == 0:
                yield n

    with read_ahead(rows) as ready:
        next(ready)
        before = len(produced)
        deadline = time.monotonic() + 0.05
        while time.monotonic() < deadline:  # the reader busy in Python
            pass
        assert len(produced) <= before + 1  # at most the row under way
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.05)")  # the reader waits on the database
        assert len(produced) > before + 1
