"""Reading the next batch of a sheet while the database stores the last one.

An import alternates two kinds of work: reading and cleaning a batch of
cells (Python only) and saving it (the connection waits on PostgreSQL: the
key probe, the locks, the totals, the ``COPY`` and its triggers). The
database driver lets go of the interpreter while it waits, so a thread can
read the next batch in that time: on a machine with a second core the
cells cost an import almost nothing on top of the database's work.

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

from django.db import connections
from django.utils import translation

# How long the reading thread waits for room before it looks whether the reader stopped.
_PUT_SECONDS = 0.1
_END = object()


@contextmanager
def read_ahead(batches: Callable[[], Iterator]):
    """The items of ``batches()``, produced in a thread one item ahead of the reader."""
    ready: queue.Queue = queue.Queue(maxsize=1)
    stopped = threading.Event()
    language = translation.get_language()

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
                for item in batches():
                    if not hand_over((item, None)):
                        return
            hand_over((_END, None))
        except BaseException as error:  # noqa: BLE001 - handed to the reader, raised there
            hand_over((_END, error))
        finally:
            connections.close_all()  # this thread's own, should anything have opened one

    def consume() -> Iterator:
        while True:
            item, error = ready.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item

    thread = threading.Thread(target=produce, name="import-read-ahead", daemon=True)
    thread.start()
    try:
        yield consume()
    finally:
        stopped.set()
        thread.join()
