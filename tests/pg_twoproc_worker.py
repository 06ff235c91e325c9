"""One workstation of the two-workstation test (issue 22, point 7): a program instance in a
process of its own, on the house server of a profile file, driven by the test through its
standard input and output (``tests/unit/test_pg_twoproc_workstations.py``).

Each request is one JSON line on standard input, ``{"op": ..., ...}``; each answer is one JSON
line on standard output: ``{"ok": true, ...}``, or for a refusal ``{"ok": false, "kind": the
error's class, "message": its text, "casuskamer": whether it is one of the program's errors,
"traceback": the traceback when it is not}``, so the test sees exactly what a person at the
workstation would. Whatever else is printed (a warning, a log line) goes to standard error:
standard output carries only the answers.

The worker works the way the program does: it unlocks with a passphrase (its own Argon2id
derivation, its own login role and connections), calls the services, and listens for other
workstations' announcements as ``ui.live_updates`` does (``ServerOpenVault.listen`` with a
callback; here the callback puts them on a queue instead of a Qt signal).

Run as ``python -m tests.pg_twoproc_worker`` from the repository's root.
"""

from __future__ import annotations

import json
import logging
import queue
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from app.domain.intake import IntakeDraft, IntakeOutcome
from app.domain.live_changes import Change
from app.errors import CasuskamerError, EditConflict
from app.services import accounts as account_service
from app.services import cases as case_service
from app.services import intake
from app.store.live import Listener
from app.vault.server import ServerOpenVault, ServerVault


class Workstation:
    """The state of one program instance: its session, the intake it has open, what its
    listener heard."""

    def __init__(self) -> None:
        self.session: ServerOpenVault | None = None
        self.draft: IntakeDraft | None = None
        #: each announcement with the wall-clock time it reached the callback
        self.heard: queue.Queue[tuple[float, Change]] = queue.Queue()
        self.listener: Listener | None = None

    def opened(self) -> ServerOpenVault:
        if self.session is None:
            raise RuntimeError("no session: send 'unlock' first")
        return self.session

    # -- the requests ----------------------------------------------------------------------

    def unlock(self, profile: str, account: str, passphrase: str) -> dict[str, Any]:
        """Unlock the house of the profile file as ``account`` (a session open before is
        locked first: one person at a workstation)."""
        if self.session is not None:
            self.lock()
        self.draft, self.listener, self.heard = None, None, queue.Queue()
        self.session = ServerVault.from_file(Path(profile)).unlock(account, passphrase,
                                                                   exclusive=False)
        return {"role": self.session.actor.role.value}

    def register(self, surname: str) -> dict[str, Any]:
        """A referral registered as a new case (as the intake's "register" does)."""
        from tests.unit.test_pg_services import _referral

        session = self.opened()
        return {"number": intake.register_referral(session, _referral(session, surname,
                                                                      None))}

    def case_id(self, number: str) -> dict[str, Any]:
        with self.opened().read() as conn:
            return {"case_id": case_service.case_id_for(conn, number)}

    def case(self, number: str) -> dict[str, Any]:
        """The case as its screen shows it now (reason, question, version)."""
        found = case_service.get_case(self.opened(), number)
        return {"reason": found.reason, "question": found.question, "version": found.version}

    def open_intake(self, number: str) -> dict[str, Any]:
        """Open the intake of a registered case (the wizard's first read), and keep it."""
        self.draft, _draft_id = intake.draft_for_case(self.opened(), number)
        return {"reason": self.draft.reason, "version": self.draft.case_version}

    def save_intake(self, reason: str, question: str) -> dict[str, Any]:
        """Type ``reason`` and ``question`` into the open intake and register it (a save of
        the case's registration, built on the case as it was when the intake was opened)."""
        if self.draft is None:
            raise RuntimeError("no intake open: send 'open_intake' first")
        self.draft.reason, self.draft.question = reason, question
        result = intake.submit_intake(self.opened(), self.draft, IntakeOutcome.REGISTER)
        self.draft = None
        return {"number": result.case_number, "at": time.time()}

    def reload_intake(self, number: str) -> dict[str, Any]:
        """What the wizard's Reload shows after a refused save: the case as it is now."""
        self.draft = intake.case_as_draft(self.opened(), number)
        return {"reason": self.draft.reason, "question": self.draft.question,
                "version": self.draft.case_version}

    def listen(self) -> dict[str, Any]:
        """Listen for other workstations' changes, as the program does after the unlock."""
        self.listener = self.opened().listen(
            lambda change: self.heard.put((time.time(), change)))
        return {"running": self.listener.running}

    def wait_listener_stopped(self, timeout: float) -> dict[str, Any]:
        """Wait (at most ``timeout`` s) for the listener's thread to end by itself."""
        if self.listener is None:
            raise RuntimeError("not listening: send 'listen' first")
        deadline = time.monotonic() + timeout
        while self.listener.running and time.monotonic() < deadline:
            time.sleep(0.05)
        return {"running": self.listener.running}

    def wait_for_case(self, case_id: int, timeout: float) -> dict[str, Any]:
        """Wait (at most ``timeout`` s) for an announcement naming the case ``case_id``;
        the announcements heard meanwhile are answered too (kinds and ids), and the
        wall-clock time the one naming the case reached the callback (for a reader of the
        figures: the test asserts no time)."""
        deadline = time.monotonic() + timeout
        heard: list[dict[str, Any]] = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                at, change = self.heard.get(timeout=left)
            except queue.Empty:
                break
            heard.append({"tables": sorted(change.tables),
                          "objects": [list(x) for x in change.objects]})
            if change.concerns("case", case_id):
                return {"arrived": True, "heard": heard, "at": at}
        return {"arrived": False, "heard": heard}

    def revoke(self, name: str) -> dict[str, Any]:
        """The administrator's ``users revoke`` (the same service)."""
        change = account_service.revoke_account(self.opened(), name)
        return {"reason": change.reason}

    def list_cases(self) -> dict[str, Any]:
        return {"numbers": [row.number for row in case_service.list_cases(self.opened())]}

    def lock(self) -> dict[str, Any]:
        session, self.session = self.session, None
        if session is not None:
            session.lock()
        return {}


def _refusal(exc: BaseException) -> dict[str, Any]:
    answer: dict[str, Any] = {"ok": False, "kind": type(exc).__name__, "message": str(exc),
                              "casuskamer": isinstance(exc, CasuskamerError)}
    if isinstance(exc, EditConflict):
        answer["by_account"] = exc.by_account
        answer["at"] = str(exc.at)
    if not isinstance(exc, CasuskamerError):
        answer["traceback"] = traceback.format_exc()
    return answer


def serve(requests: TextIO, answers: TextIO) -> None:
    """Answer each request line until ``quit`` or the end of the input."""
    station = Workstation()
    handlers: dict[str, Callable[..., dict[str, Any]]] = {
        name: getattr(station, name) for name in (
            "unlock", "register", "case_id", "case", "open_intake", "save_intake",
            "reload_intake", "listen", "wait_listener_stopped", "wait_for_case", "revoke",
            "list_cases", "lock")}
    for line in requests:
        request = json.loads(line)
        op = request.pop("op")
        if op == "quit":
            break
        try:
            answer = {"ok": True, **handlers[op](**request)}
        except Exception as exc:  # noqa: BLE001 - every refusal goes back to the test
            answer = _refusal(exc)
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
    try:
        station.lock()
    except Exception:  # noqa: BLE001 - a revoked account's session may not log its lock
        pass


def main() -> None:
    answers = sys.stdout
    sys.stdout = sys.stderr  # nothing but the answers on the answer channel
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    serve(sys.stdin, answers)


if __name__ == "__main__":
    main()
