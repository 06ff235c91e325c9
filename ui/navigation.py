"""The main window's sections (Cases, Meetings, Parties, Figures, Follow-up, Settings) and who
sees them.

Each section is a ``Section``: a label, its go-to action, the permission that shows it in the
navigation, and a factory ``Callable[[OpenVault], QWidget]`` that builds its screen after an
unlock. Screens written by other areas plug in through ``default_sections``, which imports
them only if they exist, so the shell runs before they land; a section without a screen
shows an honest page saying it is not available yet.

Which sections a role sees follows ``app.domain.roles.may`` (the one place role rules live);
the services still check every call, so hiding a section is a convenience, not the guard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.domain.roles import Permission, Role, may
from app.i18n import N_, _
from app.vault.vault import OpenVault
from ui.actions import ActionId

ScreenFactory = Callable[[OpenVault], QWidget]


@dataclass(frozen=True)
class Section:
    id: str
    label: str                       # msgid
    action: ActionId
    factory: ScreenFactory | None     # None: not built yet
    #: the section shows when the role has any of these (empty: every role)
    any_of: tuple[Permission, ...] = ()
    #: roles that never see it in the navigation
    hidden_for: tuple[Role, ...] = ()

    def visible_for(self, role: Role) -> bool:
        if role in self.hidden_for:
            return False
        return not self.any_of or any(may(role, p) for p in self.any_of)


def optional_screen(module: str, name: str) -> ScreenFactory | None:
    """The screen class ``module.name`` as a factory, or None while that module is absent.

    Only the module's own absence is tolerated; an error inside an existing module is real
    and must surface.
    """
    try:
        mod = import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            return None
        raise
    factory = getattr(mod, name, None)
    return factory if callable(factory) else None


def default_sections(settings_factory: ScreenFactory) -> list[Section]:
    return [
        Section("cases", N_("Cases"), ActionId.GO_CASES,
                optional_screen("ui.cases.screen", "CasesScreen"),
                any_of=(Permission.VIEW_CASES,)),
        Section("meetings", N_("Meetings"), ActionId.GO_MEETINGS,
                optional_screen("ui.meetings.screen", "MeetingsScreen"),
                any_of=(Permission.MEETING_LOGISTICS, Permission.CASE_WORK)),
        Section("parties", N_("Parties"), ActionId.GO_PARTIES,
                optional_screen("ui.parties.screen", "PartiesScreen"),
                any_of=(Permission.VIEW_PARTIES, Permission.MANAGE_PARTIES)),
        Section("figures", N_("Figures"), ActionId.GO_FIGURES,
                optional_screen("ui.figures.screen", "FiguresScreen"),
                any_of=(Permission.VIEW_FIGURES,)),
        # The actions' texts are the plans': case substance (not the information centre's).
        Section("followup", N_("Follow-up of actions"), ActionId.GO_FOLLOWUP,
                optional_screen("ui.followup.screen", "FollowUpScreen"),
                any_of=(Permission.CASE_SUBSTANCE,)),
        # The manager sees figures only (covenant art. 11); changing the own passphrase is
        # in the account menu for every role.
        Section("settings", N_("Settings"), ActionId.GO_SETTINGS, settings_factory,
                hidden_for=(Role.MANAGER,)),
        Section("audit", N_("Audit log"), ActionId.GO_AUDIT,
                optional_screen("ui.audit.screen", "AuditScreen"),
                any_of=(Permission.READ_AUDIT,)),
    ]


class NotAvailablePage(QWidget):
    """What a section shows while its screen has not been built: it says so."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("not_available")
        layout = QVBoxLayout(self)
        heading = QLabel(title)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        text = QLabel(_("This part is not available yet."))
        text.setObjectName("not_available_text")
        layout.addWidget(heading)
        layout.addWidget(text)
        layout.addStretch(1)
        layout.setAlignment(Qt.AlignmentFlag.AlignTop)
