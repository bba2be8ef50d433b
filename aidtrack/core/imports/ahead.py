"""Reading the next batch of a sheet while the database stores the last one.

An import alternates two kinds of work: reading and cleaning a batch of
cells (Python only) and saving it (the connection waits on PostgreSQL: the
key probe, the locks, the totals, the ``COPY`` and its triggers). The
database driver lets go of the interpreter while it waits, so a thread can
read the next batch in that time.

Only in that time: two threads running Python share one interpreter lock,
and a reading thread left free takes it from the import every few
milliseconds, so the import waits as long as the reading saved (measured:
19.0 s for 100,000 rows read in line, 18.8 s read ahead). So the thread
reads a row only while the reader is idle — inside a query on its
connection (an execute wrapper marks it) or waiting for the next batch —
and between rows (``pace``) it waits for that. The import's own Python then
runs alone, and the reading fills its waits on the database.

``read_ahead`` runs a generator of batches in such a thread, at most one
batch ahead (memory stays that of two batches). What the generator raises
(a refused file) is raised to the reader at the batch where it happened;
a reader that stops early (a cancelled import, an error) stops the thread.
The thread runs in the reader's language, so its messages are the same,
and it must not use the database: its connection would be another one,
outside the import's transaction.
"""

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, connections
from django.utils import translation

# How long the reading thread waits for room before it looks whether the reader stopped.
_PUT_SECONDS = 0.1
_END = object()


class _Stopped(Exception):
    """The reader stopped: the reading thread ends at its next row."""


@contextmanager
def read_ahead(batches: Callable[[Callable[[], None]], Iterator]):
    """The items of ``batches(pace)``, produced in a thread one item ahead of the reader.

    ``batches`` calls ``pace()`` between rows: it returns when the reader is
    idle (in a query, or waiting for an item) and ends the thread once the
    reader has stopped.
    """
    ready: queue.Queue = queue.Queue(maxsize=1)
    stopped = threading.Event()
    idle = threading.Event()  # the reader leaves the interpreter to this thread
    language = translation.get_language()

    def pace() -> None:
        if not idle.is_set():
            idle.wait()
        if stopped.is_set():
            raise _Stopped

    def while_querying(execute, sql, params, many, context):
        idle.set()
        try:
            return execute(sql, params, many, context)
        finally:
            idle.clear()

    def hand_over(item) -> bool:
        while not stopped.is_set():
            try:
                ready.put(item, timeout=_PUT_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            with translation.override(language):
                for item in batches(pace):
                    if not hand_over((item, None)):
                        return
            hand_over((_END, None))
        except _Stopped:
            return
        except BaseException as error:  # noqa: BLE001 - handed to the reader, raised there
            hand_over((_END, error))
        finally:
            connections.close_all()  # this thread's own, should anything have opened one

    def consume() -> Iterator:
        while True:
            idle.set()
            item, error = ready.get()
            idle.clear()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item

    thread = threading.Thread(target=produce, name="import-read-ahead", daemon=True)
    with connection.execute_wrapper(while_querying):
        thread.start()
        try:
            yield consume()
        finally:
            stopped.set()
            idle.set()  # a thread waiting for its turn sees the stop
            thread.join()
