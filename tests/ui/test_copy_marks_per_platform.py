"""A guarded copy is marked secret the way each platform's clipboard history and managers
understand (issue 21, point 3), and what else of ours reaches the clipboard is guarded too
(issue 25, point 1).

Before, the copy carried only Linux's ``x-kde-passwordManagerHint``: on Windows a copied BSN
went into the clipboard history (Win+V) and the cloud clipboard, on macOS into every
clipboard manager. The platform is simulated (``app.platform``); the expected formats are
written from Microsoft's and nspasteboard.org's documentation, as password managers
(KeePassXC) set them: on Windows ``ExcludeClipboardContentFromMonitorProcessing``,
``CanIncludeInClipboardHistory`` = DWORD 0 and ``CanUploadToCloudClipboard`` = DWORD 0,
each a registered clipboard format (Qt's ``application/x-qt-windows-mime;value="..."``);
on macOS ``org.nspasteboard.ConcealedType``; on Linux ``x-kde-passwordManagerHint``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QClipboard, QGuiApplication
from pytestqt.qtbot import QtBot

from app.platform import set_platform_for_tests
from ui import clipboard as clip

BSN = "123456782"
DWORD_0 = b"\x00\x00\x00\x00"


def win(name: str) -> str:
    return f'application/x-qt-windows-mime;value="{name}"'


EXPECTED: dict[str, dict[str, bytes | None]] = {
    # None: present, any content (Microsoft: "place any data in this format")
    "windows": {win("ExcludeClipboardContentFromMonitorProcessing"): None,
                win("CanIncludeInClipboardHistory"): DWORD_0,
                win("CanUploadToCloudClipboard"): DWORD_0},
    "macos": {"application/x-nspasteboard-concealed-type": None},
    "linux": {"x-kde-passwordManagerHint": b"secret"},
}
EVERY_MARK = {name for marks in EXPECTED.values() for name in marks}


@pytest.fixture
def guard(qtbot: QtBot) -> Iterator[clip.ClipboardGuard]:
    made = clip.ClipboardGuard()
    yield made
    made.clear_if_ours()
    set_platform_for_tests(None)


@pytest.mark.parametrize("platform", ["windows", "macos", "linux"])
def test_the_copy_carries_the_platforms_marks_and_no_others(
        guard: clip.ClipboardGuard, platform: str) -> None:
    set_platform_for_tests(platform)  # type: ignore[arg-type]
    guard.copy_sensitive(BSN)
    data = QGuiApplication.clipboard().mimeData(QClipboard.Mode.Clipboard)
    assert data is not None and data.text() == BSN
    for name, content in EXPECTED[platform].items():
        assert data.hasFormat(name), f"{platform}: {name} missing"
        if content is not None:
            assert bytes(data.data(name).data()) == content, name
        else:
            assert data.data(name).size() > 0, name
    others = EVERY_MARK - set(EXPECTED[platform])
    assert not [name for name in others if data.hasFormat(name)]


def test_the_mac_concealed_type_is_the_nspasteboard_one() -> None:
    """What our macOS converter puts on the pasteboard for the concealed MIME type."""
    assert clip.MAC_CONCEALED_UTI == "org.nspasteboard.ConcealedType"


def test_text_another_route_put_on_the_clipboard_is_guarded_too(
        qtbot: QtBot, guard: clip.ClipboardGuard, monkeypatch: pytest.MonkeyPatch) -> None:
    """The safety net: a plain ``setText`` by code of ours (a route the copy filter does not
    know) while the program owns the clipboard is marked, timed and audited. (Qt's offscreen
    clipboard does not report ownership; a real one does: the check is set to say so.)"""
    sources: list[clip.CopySource] = []
    guard.auditor = sources.append
    monkeypatch.setattr(guard, "_owns", lambda mode: True)
    QGuiApplication.clipboard().setText(BSN)
    qtbot.waitUntil(lambda: guard.holds_ours, timeout=2000)
    data = QGuiApplication.clipboard().mimeData(QClipboard.Mode.Clipboard)
    assert data is not None and data.text() == BSN
    assert all(data.hasFormat(name) for name in clip.secret_formats())
    assert len(sources) == 1 and BSN not in sources[0].field
    guard.clear_if_ours()
    assert QGuiApplication.clipboard().text() == ""


def test_another_programs_copy_is_left_alone(
        qtbot: QtBot, guard: clip.ClipboardGuard, monkeypatch: pytest.MonkeyPatch) -> None:
    sources: list[clip.CopySource] = []
    guard.auditor = sources.append
    monkeypatch.setattr(guard, "_owns", lambda mode: False)
    QGuiApplication.clipboard().setText("van een ander programma")
    qtbot.wait(50)
    assert not guard.holds_ours and sources == []
    assert QGuiApplication.clipboard().text() == "van een ander programma"
    QGuiApplication.clipboard().clear()


def test_the_x11_primary_selection_is_never_offered(
        qtbot: QtBot, guard: clip.ClipboardGuard, monkeypatch: pytest.MonkeyPatch) -> None:
    """Selecting text under X11 puts it in the primary selection (pasted elsewhere with a
    middle click): the guard empties it as soon as the program owns it. (Qt's offscreen
    clipboard has no selection: its checks are set to say X11's answers.)"""
    cleared: list[QClipboard.Mode] = []
    monkeypatch.setattr(QClipboard, "supportsSelection", lambda self: True)
    monkeypatch.setattr(QClipboard, "clear", lambda self, mode=QClipboard.Mode.Clipboard:
                        cleared.append(mode))
    monkeypatch.setattr(guard, "_owns", lambda mode: mode == QClipboard.Mode.Selection)
    QGuiApplication.clipboard().selectionChanged.emit()
    assert QClipboard.Mode.Selection in cleared
    cleared.clear()
    monkeypatch.setattr(guard, "_owns", lambda mode: False)     # another program's selection
    QGuiApplication.clipboard().selectionChanged.emit()
    assert cleared == []
