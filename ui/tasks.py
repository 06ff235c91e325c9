"""Run slow work (key derivation, creating a vault, sealing a key slot) off the GUI thread.

``run_in_background(fn, on_done, on_error)`` runs ``fn()`` on Qt's global thread pool and
calls ``on_done(result)`` or ``on_error(exc)`` back on the GUI thread, so the window keeps
painting while Argon2id works for half a second or more. Each task keeps its receiver alive
until it has reported, and a receiver whose widget was destroyed meanwhile (the window was
locked) simply reports to no one.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

_running: set["_Bridge"] = set()


class _Bridge(QObject):
    """Lives on the GUI thread; the worker emits its signals, Qt queues them to these slots
    (a bound method of a QObject receiver, so the thread affinity decides the delivery)."""

    done = Signal(object)
    failed = Signal(object)

    def __init__(self, on_done: Callable[[Any], None],
                 on_error: Callable[[BaseException], None]) -> None:
        super().__init__()
        self.on_done = on_done
        self.on_error = on_error
        self.alive = True
        self.done.connect(self._deliver_done)
        self.failed.connect(self._deliver_failed)

    def _finish(self) -> None:
        _running.discard(self)
        self.deleteLater()

    @Slot(object)
    def _deliver_done(self, result: Any) -> None:
        self._finish()
        if self.alive:
            self.on_done(result)

    @Slot(object)
    def _deliver_failed(self, exc: BaseException) -> None:
        self._finish()
        if self.alive:
            self.on_error(exc)

    def forget(self, *_args: object) -> None:
        self.alive = False


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], bridge: _Bridge) -> None:
        super().__init__()
        self.fn = fn
        self.bridge = bridge
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - handed to on_error on the GUI thread
            self.bridge.failed.emit(exc)
        else:
            self.bridge.done.emit(result)


def run_in_background(fn: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[BaseException], None],
                      context: QObject | None = None) -> None:
    """Start ``fn`` off the GUI thread; report back on the GUI thread.

    ``context``: when given, the callbacks are dropped if that object is destroyed first.
    """
    bridge = _Bridge(on_done, on_error)
    _running.add(bridge)
    if context is not None:
        context.destroyed.connect(bridge.forget)
    QThreadPool.globalInstance().start(_Task(fn, bridge))


def wait_for_background(timeout_ms: int = 30_000) -> bool:
    """Wait for running tasks to finish (on quit, so a half-written key slot is finished)."""
    return bool(QThreadPool.globalInstance().waitForDone(timeout_ms))
