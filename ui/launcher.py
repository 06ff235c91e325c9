"""The ``casuskamer`` entry point: no arguments (or ``gui``) starts the desktop program;
anything else is the command line in ``app.cli``. Qt is imported only for the desktop."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

#: when the program started (for the packaging smoke test's start-up time)
STARTED = time.perf_counter()


def main(argv: Sequence[str] | None = None) -> int:
    # Before anything is unlocked: no core file or crash dump of this process (issue 25).
    from app.process_guard import harden_process

    harden_process()
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] == "gui":
        from ui.main import run_gui

        return run_gui(args[1:])
    from app.cli import main as cli_main

    return cli_main(args, gui=_run_gui)  # e.g. 'casuskamer --lang en gui'


def _run_gui(words: list[str]) -> int:
    from ui.main import run_gui

    return run_gui(words)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
