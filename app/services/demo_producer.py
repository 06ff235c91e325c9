"""A second process for ``casuskamer demo`` (issue 23, point 6): while the first process
writes one chunk of cases into the vault, a forked child makes and checks the next one
(synthetic referrals, then the import's rules) and prepares its rows as the vault stores
them (``app.services.synthetic.prepared_chunks``): plain Python, no vault, no key use.

The machine has two cores; the writer's SQLCipher work and the generator's Python work
each take about half of the demo's time, so each gets its own core (and, on a busy machine,
its own share of the scheduler). The child is at most one chunk ahead (the pipe's buffer
holds it back), so memory stays flat. The child gets no connection and uses none: it is
forked before it would need one and ends with ``os._exit`` (``multiprocessing``), so no
inherited connection is touched or closed by it.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Generator, Iterator
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from app.errors import CasuskamerError
from app.i18n import _
from app.services.referral_import import ImportRefused

T = TypeVar("T")
U = TypeVar("U")

#: How long the parent waits for the next chunk before it looks whether the child still runs.
POLL_SECONDS = 1.0
#: Only on Linux: Windows has no fork, and macOS's fork is unsafe once Qt or the system's
#: frameworks have started threads; there the demo makes its cases in its one process.
AVAILABLE = sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()


class ProducerFailed(CasuskamerError):
    """The generating process stopped without its chunks (it was killed, or failed)."""

    def __init__(self, reason: str) -> None:
        super().__init__(_("The demo's second process stopped ({reason}). The cases written "
                           "so far stay; run the same command again to add the rest.")
                         .format(reason=reason))


def in_second_process(make: Callable[[], Iterator[T]], *, daemon: bool = True
                      ) -> Generator[T, None, None]:
    """The items of ``make()``, made in a forked child while the caller uses the previous
    ones, in the same order. A refusal by the import's rules in the child is raised here as
    the same ``ImportRefused``; any other failure as :class:`ProducerFailed` (one line with
    the exit code or the failure's type name only: no value from the data in a message).
    Stopping early ends the child. ``daemon=False`` lets the child start a child of its own
    (:func:`chained`)."""
    context: Any = multiprocessing.get_context("fork")  # only where AVAILABLE
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_produce, args=(make, sending, receiving),
                            daemon=daemon, name="casuskamer-demo-producer")
    child.start()
    sending.close()
    try:
        while True:
            while not receiving.poll(POLL_SECONDS):
                if not child.is_alive():
                    raise ProducerFailed(str(child.exitcode))
            try:
                kind, value = receiving.recv()
            except EOFError:
                raise ProducerFailed("EOF") from None
            if kind == "item":
                yield value
            elif kind == "done":
                return
            elif kind == "refused":
                raise ImportRefused(value)
            else:
                raise ProducerFailed(str(value))
    finally:
        receiving.close()
        if child.is_alive():
            child.terminate()
        child.join()


def chained(make: Callable[[], Iterator[T]], then: Callable[[Iterator[T]], Iterator[U]]
            ) -> Generator[U, None, None]:
    """The items of ``then(make())``: ``make`` runs in one forked child, ``then`` in a second
    that takes the first one's items as they come, and the caller gets ``then``'s items in
    order. Three stages on two cores, each at most one item ahead of the next. If the second
    child stops, the first one's next send finds no reader and it ends too."""
    return in_second_process(lambda: then(in_second_process(make)), daemon=False)


def _produce(make: Callable[[], Iterator[object]], sending: Connection,
             inherited: Connection) -> None:
    """In the child: send every item, then ``done`` (or what stopped it). The pipe's reading
    end, inherited with the fork, is closed first: once the reader is gone (stopped, or
    killed before it could stop this child), the next send fails instead of waiting."""
    inherited.close()
    try:
        for item in make():
            sending.send(("item", item))
        sending.send(("done", None))
    except ImportRefused as refused:
        sending.send(("refused", list(refused.problems)))
    except BrokenPipeError:
        pass  # the parent stopped reading (it failed or stopped early)
    except Exception as exc:  # noqa: BLE001 - reported to the parent by its kind only
        sending.send(("error", type(exc).__name__))
    finally:
        sending.close()
