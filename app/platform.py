"""Which desktop platform the program runs on, read through one function a test can set.

Code that behaves differently on Windows, macOS and Linux asks :func:`current_platform`,
never ``sys.platform`` directly, so that a test on this Linux machine can run the Windows
or macOS branch of that code where it is plain Python (``simulated("windows")``). Patching
``sys.platform`` itself is not done: the standard library reads it too (``os.path``,
``subprocess``, ``shutil``) and breaks when it lies.

What a simulation cannot reach is said where it matters: a branch that calls a library only
Windows has (``ctypes.windll``, pywin32, ``msvcrt``) checks the real system as well.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

Platform = Literal["windows", "macos", "linux"]

PLATFORMS: tuple[Platform, ...] = ("windows", "macos", "linux")

_simulated: Platform | None = None


def real_platform() -> Platform:
    """The platform the interpreter really runs on (no simulation)."""
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


def current_platform() -> Platform:
    """The platform the program behaves as: the real one, or the one a test set."""
    return _simulated if _simulated is not None else real_platform()


def is_windows() -> bool:
    return current_platform() == "windows"


def is_macos() -> bool:
    return current_platform() == "macos"


def set_platform_for_tests(value: Platform | None) -> None:
    """Make :func:`current_platform` answer ``value`` (None: the real platform again).
    For tests only; prefer :func:`simulated`, which puts the old value back."""
    global _simulated
    if value is not None and value not in PLATFORMS:
        raise ValueError(f"unknown platform {value!r}")
    _simulated = value


@contextmanager
def simulated(value: Platform) -> Iterator[None]:
    """Behave as ``value`` inside the ``with`` block (tests only)."""
    before = _simulated
    set_platform_for_tests(value)
    try:
        yield
    finally:
        set_platform_for_tests(before)
