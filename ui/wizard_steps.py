"""Every wizard shows its steps and where you are (issue 18, point 4).

:func:`install` puts a step list beside a ``QWizard``'s pages (Qt's side widget, so it looks
the same in every wizard style): a header "Stap 2 van 5: Betrokkenen" and every step by its
page title, the steps done ticked and the current one in bold. It reads only what every
``QWizard`` has (its page ids, the current id and each page's title), so it does not depend
on how a wizard checks its pages or moves between them.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWizard

from app.i18n import _

#: the side list's width: room for a two-word step title per line at 200 % scaling too
WIDTH_EM = 15


def _plain(title: str) -> str:
    """A page title as plain text (titles may carry rich-text markup or a mnemonic)."""
    return re.sub(r"<[^>]+>", "", title).replace("&&", "\0").replace("&", "").replace("\0", "&")


class StepList(QFrame):
    """The steps of one wizard, the current one marked; updated as the wizard moves."""

    def __init__(self, wizard: QWizard) -> None:
        super().__init__()
        self.wizard = wizard
        self.setObjectName("wizard_steps")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.header = QLabel("")
        self.header.setObjectName("wizard_step_header")
        self.header.setWordWrap(True)
        self.header.setStyleSheet("font-weight: bold;")
        self.steps: list[QLabel] = []
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(8, 8, 12, 8)
        self.column.setSpacing(6)
        self.column.addWidget(self.header)
        self.column.addSpacing(6)
        self.column.addStretch(1)
        #: a line under the steps, e.g. "Concept opgeslagen om 11:05" after Ctrl+S
        self.note = QLabel("")
        self.note.setObjectName("wizard_note")
        self.note.setWordWrap(True)
        self.note.setVisible(False)
        self.column.addWidget(self.note)
        width = self.fontMetrics().horizontalAdvance("M") * WIDTH_EM
        self.setFixedWidth(width)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        wizard.currentIdChanged.connect(lambda _id: self.update_steps())

    # -- what it says ------------------------------------------------------------------------

    def titles(self) -> list[str]:
        titles: list[str] = []
        for page_id in self.wizard.pageIds():
            page = self.wizard.page(page_id)
            title = _plain(page.title()) if page is not None else ""
            titles.append(title or _("Step {n}").format(n=len(titles) + 1))
        return titles

    def position(self) -> int:
        """The current step's index (0-based); the first before the wizard has started."""
        ids = list(self.wizard.pageIds())
        current = self.wizard.currentId()
        return ids.index(current) if current in ids else 0

    def text(self) -> str:
        """"Step 2 of 5: Subjects" for the page shown."""
        titles = self.titles()
        if not titles:
            return ""
        index = self.position()
        return _("Step {n} of {total}: {title}").format(n=index + 1, total=len(titles),
                                                         title=titles[index])

    def update_steps(self) -> None:
        titles = self.titles()
        while len(self.steps) < len(titles):
            label = QLabel("")
            label.setObjectName("wizard_step")
            label.setWordWrap(True)
            self.steps.append(label)
            # under the header (header, spacing, the steps so far), above the stretch
            self.column.insertWidget(2 + len(self.steps) - 1, label)
        for extra in self.steps[len(titles):]:
            extra.setVisible(False)
        current = self.position()
        for index, (label, title) in enumerate(zip(self.steps, titles)):
            mark = "\u2713" if index < current else "\u25b6" if index == current else "\u2022"
            label.setText(f"{mark} {index + 1}. {title}")
            label.setStyleSheet("font-weight: bold;" if index == current else "")
            label.setProperty("current", index == current)
            label.setVisible(True)
        text = self.text()
        self.header.setText(text)
        # A screen reader hears where it is when the page changes.
        self.setAccessibleName(text)
        self.wizard.setAccessibleDescription(text)


    def say(self, text: str) -> None:
        """Show a short note under the steps (what Ctrl+S did); "" hides it."""
        self.note.setText(text)
        self.note.setVisible(bool(text))
        self.note.setAccessibleName(text)


def install(wizard: QWizard) -> StepList:
    """Show ``wizard``'s steps beside its pages (call after its pages were added)."""
    steps = StepList(wizard)
    wizard.setSideWidget(steps)
    steps.update_steps()
    return steps


def steps_of(wizard: QWizard) -> StepList | None:
    """The step list :func:`install` put on ``wizard`` (None when it has none)."""
    side = wizard.sideWidget()
    return side if isinstance(side, StepList) else None
