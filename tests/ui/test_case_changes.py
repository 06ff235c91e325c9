"""A case screen follows changes made in another window (a meeting): marked stale when its
case is announced, read again (one audited opening) when its window is next active; other
cases' news leaves it alone."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from tests.ui.test_case_view_ui import views
from tests.unit.handout_cases import as_process_director, item, make_case, party_ids
from ui import changes
from ui.cases.case_view import CaseViewScreen


def _activate(window: object) -> None:
    QApplication.sendEvent(window, QEvent(QEvent.Type.WindowActivate))  # type: ignore[arg-type]


def test_a_case_screen_reads_its_case_again_when_it_changed_elsewhere(  # type: ignore[no-untyped-def]
        admin_vault, qtbot) -> None:
    vault = as_process_director(admin_vault)
    ids = party_ids(vault)
    number = make_case(vault, items=[item(ids["Veilig Thuis"], "Melding")])
    other = make_case(vault, items=[item(ids["Veilig Thuis"], "Andere melding")])
    screen = CaseViewScreen(vault, number)
    qtbot.addWidget(screen)
    screen.show()
    opened = views(vault)

    changes.announce(other)                 # news about another case
    _activate(screen.window())
    assert views(vault) == opened

    changes.announce(number)                # this case changed in the meeting window
    if not screen.window().isActiveWindow():
        assert views(vault) == opened, "not reread while another window is in front"
        _activate(screen.window())
    assert views(vault) == opened + 1
    _activate(screen.window())              # nothing new: no second read
    assert views(vault) == opened + 1

    changes.announce()                      # "some cases" includes this one
    _activate(screen.window())
    assert views(vault) == opened + 2

    # Under an open step window the step's closing reads the case; no read in between.
    screen.step_window = screen
    changes.announce(number)
    _activate(screen.window())
    assert views(vault) == opened + 2
