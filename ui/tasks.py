"""Run slow work (key derivation, creating a vault, sealing a key slot) off the GUI thread.

``run_in_background(fn, on_done, on_error)`` runs ``fn()`` on Qt's global thread pool and
calls ``on_done(result)`` or ``on_error(exc)`` back on the GUI thread, so the window keeps
painting while Argon2id works for half a second or more. A task whose ``context`` widget was
destroyed meanwhile (the window was locked) simply reports to no one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


@dataclass
class _Pending:
    on_done: Callable[[Any], None]
    on_error: Callable[[BaseException], None]
    alive: bool = True


class _Dispatcher(QObject):
    """One long-lived object on the GUI thread. Workers emit ``finished``; Qt queues it to
    ``_deliver`` on the GUI thread. (One object for all tasks, rather than one per task, so
    that no QObject is ever destroyed from a worker thread or inside its own delivery.)"""

    finished = Signal(int, object, object)

    def __init__(self) -> None:
        super().__init__()
        self.pending: dict[int, _Pending] = {}
        self.finished.connect(self._deliver)

    @Slot(int, object, object)
    def _deliver(self, task_id: int, result: Any, exc: Any) -> None:
        pending = self.pending.pop(task_id, None)
        if pending is None or not pending.alive:
            return
        if exc is not None:
            pending.on_error(exc)
        else:
            pending.on_done(result)


_dispatcher: _Dispatcher | None = None
_ids = itertools.count(1)


def _get_dispatcher() -> _Dispatcher:
    global _dispatcher
    if _dispatcher is None:
        _dispatcher = _Dispatcher()
    return _dispatcher


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], task_id: int, dispatcher: _Dispatcher) -> None:
        super().__init__()
        self.fn = fn
        self.task_id = task_id
        self.dispatcher = dispatcher
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - handed to on_error on the GUI thread
            self.dispatcher.finished.emit(self.task_id, None, exc)
        else:
            self.dispatcher.finished.emit(self.task_id, result, None)
        self.fn = _done_already


def _done_already() -> None:
    return None


def run_in_background(fn: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[BaseException], None],
                      context: QObject | None = None) -> None:
    """Start ``fn`` off the GUI thread; report back on the GUI thread (call it from there).

    ``context``: when given, the callbacks are dropped if that object is destroyed first.
    """
    dispatcher = _get_dispatcher()
    task_id = next(_ids)
    pending = _Pending(on_done, on_error)
    dispatcher.pending[task_id] = pending
    if context is not None:
        context.destroyed.connect(lambda *_a: setattr(pending, "alive", False))
    QThreadPool.globalInstance().start(_Task(fn, task_id, dispatcher))


def wait_for_background(timeout_ms: int = 30_000) -> bool:
    """Wait for running tasks to finish (on quit, so a half-written key slot is finished)."""
    return bool(QThreadPool.globalInstance().waitForDone(timeout_ms))
