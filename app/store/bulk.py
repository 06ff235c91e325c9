"""Large reads without the cyclic garbage collector's passes (issue 23, point 2: the query
mix at 100,000 listed cases).

A bulk read makes a hundred thousand row tuples at once, and the Python lists, dictionaries
and counters built from them. Every 700 new container objects start a collection of the
young generation, and the rows that stay (all of them: they are the answer) push the older
generations into full collections that walk the whole program's heap as well. None of it
finds anything to free: rows of texts and numbers form no reference cycles. Measured on the
100,000-listed demo vault: about a fifth of the Cases list's and a third of the follow-up
list's CPU time was these passes.

:func:`collector_paused` keeps the collector off while a read and its rows are built and
puts it back as it was. Reference counting frees everything as usual meanwhile; only cycles
wait for the next collection after it. Several threads may pause at once (a background list
load beside a search): the collector comes back on when the last of them ends, and only if
it was on when the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the ``with`` block, or for a call of a function
    decorated with ``@collector_paused()`` (nested and from several threads alike), then as
    it was before the first pause, after one collection of the youngest generation.

    Pause a whole service call rather than its read alone: what the call frees before it
    returns (the rows it read, once turned into its answer) is then never walked at all."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            collect = _depth == 0 and _was_enabled
            if collect:
                gc.enable()
        if collect:
            # the one pass over what was made meanwhile, here rather than at some later
            # allocation: what the read leaves alive is walked once (and its rows of plain
            # values set aside for good), inside the read's own time; outside the lock, so
            # a finaliser that pauses again cannot wait on it
            gc.collect(0)
