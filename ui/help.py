"""Help inside the program: a short guide per screen (F1), the keyboard shortcuts, and the
About box.

Each screen has a ``Topic``: what the screen is for, which covenant article it serves, a few
working tips and the keys that work there. F1 shows the topic of the screen the keyboard
focus is in: in the main window through the registered Help action (``ui.actions``), in
wizards, dialogs and the meeting windows through ``install_f1`` (an application-wide key
filter, because a modal wizard blocks the main window's shortcuts). Which topic belongs to
which screen is decided by the screen's class, walking up from the focused widget, so a
screen needs no code of its own to get help.

The About box shows the version, where the vault, the preferences and the crash log live,
and the licences of the bundled font and libraries (full texts in ``resources/licenses/``).
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import PySide6
from PySide6.QtCore import QEvent, QObject, Qt, qVersion
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.i18n import N_, _
from app.resources import resource_path
from ui.actions import SPECS as ACTION_SPECS
from ui.actions import shortcut_text


@dataclass(frozen=True)
class Key:
    """One key that works on a screen (both texts are msgids)."""

    keys: str
    does: str


@dataclass(frozen=True)
class Topic:
    """The help for one screen; every text is a msgid, translated when shown."""

    id: str
    title: str
    purpose: str
    covenant: str
    tips: tuple[str, ...] = ()
    keys: tuple[Key, ...] = ()
    #: class names of the widgets this topic explains (a subclass matches too)
    screens: tuple[str, ...] = field(default=(), compare=False)


_WIZARD_KEYS = (
    Key(N_("Tab / Shift+Tab"), N_("next or previous field")),
    Key(N_("Alt+underlined letter"), N_("jump to that field or button")),
    Key(N_("Enter"), N_("next step (on the last step: finish)")),
    Key(N_("Esc"), N_("cancel; what you typed is kept as a draft where the wizard says so")),
)
_TABLE_KEYS = (
    Key(N_("Arrow keys"), N_("move through the rows")),
    Key(N_("Enter"), N_("open the selected row")),
)

TOPICS: tuple[Topic, ...] = (
    Topic("unlock", N_("Unlocking the vault"),
          N_("All case information is kept in one encrypted vault on this workstation. Choose "
             "your account and type your passphrase; nothing of the cases is shown until the "
             "vault is unlocked. After several wrong attempts you must wait a little longer "
             "each time."),
          N_("Article 17 (confidentiality and security)"),
          (N_("The program locks itself after a few minutes without activity, and with "
              "Ctrl+L. Work in a wizard is saved as a draft first."),
           N_("Forgotten your passphrase? An administrator can give you a new one; the "
              "vault cannot be opened without one.")),
          screens=("UnlockScreen",)),
    Topic("first_run", N_("Creating a vault"),
          N_("The first time, the program creates the encrypted vault and the first "
             "administrator account. Choose a long passphrase of several words; it cannot "
             "be recovered."),
          N_("Article 17 (confidentiality and security)"),
          screens=("FirstRunWizard",)),
    Topic("cases", N_("Cases"),
          N_("The list of every case of the house, with its status, protocol, referring "
             "party, next meeting and open actions. From here you register a referral, "
             "continue an intake draft, import a referral file and open a case."),
          N_("Articles 1.4 and 1.7 (case, referral) and 12.2a (assessment by the process "
             "director)"),
          (N_("Type in the search field to filter as you type: case number, name or date "
              "of birth."),
           N_("The status is written out in words in its own column; colour only repeats "
              "it.")),
          (Key(N_("Ctrl+F"), N_("go to the search field")),
           Key(N_("F5"), N_("reload the list")), *_TABLE_KEYS),
          screens=("CasesScreen",)),
    Topic("intake", N_("Referral and intake"),
          N_("Register a referral step by step: protocol, referring party, subjects, "
             "problems per life domain, the criteria for complex cases and the question to "
             "the house. Each step says beside the field what is still missing. What you "
             "type is saved as a draft as you go."),
          N_("Articles 1.7 and 12.2a and Annex 2 (criteria for complex cases)"),
          keys=_WIZARD_KEYS, screens=("IntakeWizard",)),
    Topic("import", N_("Importing a referral file"),
          N_("Read a referral prepared elsewhere (for example by a web form) from a file. "
             "A file with an error is refused as a whole, with the place of the error; "
             "nothing of it is kept."),
          N_("Article 1.7 (referral)"),
          screens=("ImportDialog",)),
    Topic("case_view", N_("The case"),
          N_("Everything the house holds about one case: the subjects, the information "
             "items with their source party and sharing terms, the triage queries and the "
             "plan. Each item shows who may see it; that follows from the terms the source "
             "party set."),
          N_("Articles 15 and 16.2 (exchange and use of information)"),
          keys=_TABLE_KEYS, screens=("CaseViewScreen",)),
    Topic("triage", N_("Triage"),
          N_("Ask the relevant parties what they know, record their answers under their "
             "own sharing terms, and decide the routing: a case meeting (with goal, themes "
             "and invitees) or elsewhere."),
          N_("Articles 1.8 and 12.2b to 12.2d (triage and preparing the case meeting)"),
          keys=_WIZARD_KEYS, screens=("TriageWizard",)),
    Topic("meetings", N_("Case meetings"),
          N_("The planned and held case meetings. Plan a new meeting with its agenda, "
             "print each invited party's agenda, and start the live meeting."),
          N_("Articles 8 and 12.2c to 12.2e (case meeting, agenda and invitations)"),
          keys=_TABLE_KEYS, screens=("MeetingsScreen",)),
    Topic("agenda", N_("Planning a case meeting"),
          N_("Choose the date, place and chair, the cases and their order, the goal, "
             "decision types and themes per case, and which parties are invited. Only "
             "parties lawfully entitled to attend can be invited."),
          N_("Articles 12.2c to 12.2f (preparing, agenda, invitations, viewing beforehand)"),
          keys=_WIZARD_KEYS, screens=("AgendaWizard",)),
    Topic("live", N_("Chairing the meeting"),
          N_("The process director's screen during the meeting: the agenda with a timer "
             "per case, the case and its information items (marked with who may see them), "
             "the attendance with the confidentiality statement, and the minutes with the "
             "agreements that go into the plan."),
          N_("Articles 8.4, 9.1, 9.2 and 17 (tasks of the meeting, agreements, "
             "confidentiality)"),
          (N_("Record for each attendee that the confidentiality statement was accepted "
              "before the first case is discussed."),),
          (Key(N_("Ctrl+Right / Page Down"), N_("next case on the agenda")),
           Key(N_("Ctrl+Left / Page Up"), N_("previous case on the agenda")),
           Key(N_("Ctrl+B (or B outside a text field)"),
               N_("blank the meeting-room screen, or show it again")),
           Key(N_("Ctrl+N"), N_("new agreement"))),
          screens=("LiveMeetingWindow",)),
    Topic("room", N_("Meeting-room screen"),
          N_("What everyone in the room may see about the case being discussed: only what "
             "every party present is allowed to see. It changes by itself when the "
             "attendance or the case changes."),
          N_("Articles 9.2, 15 and 16.2 (confidentiality and sharing of information)"),
          keys=(Key(N_("B"), N_("blank the screen, or show it again")),
                Key(N_("Esc"), N_("leave full screen"))),
          screens=("MeetingRoomWindow",)),
    Topic("plan", N_("Plan of action"),
          N_("The integrated plan: goals, actions per party with owner and due date, the "
             "information each party needs, and the criteria for closing the case. Every "
             "save keeps a version."),
          N_("Article 8.4b to 8.4d (plan of action, agreements, closure criteria)"),
          screens=("PlanEditor", "LimitDialog")),
    Topic("handouts", N_("Handouts"),
          N_("A PDF per invited party with only what that party may receive about the "
             "case. Every file made is recorded with its recipient and fingerprint."),
          N_("Articles 9.2, 15 and 16 (confidentiality, exchange and use of information)"),
          screens=("HandoutsDialog",)),
    Topic("closure", N_("Closing a case"),
          N_("Check the closure criteria, record the decision and the outcome, and see "
             "exactly what closing removes before you confirm. After the retention period "
             "the case is destroyed; only figures without names remain."),
          N_("Articles 1.10 and 8.4d (closure)"),
          keys=_WIZARD_KEYS, screens=("ClosureWizard",)),
    Topic("followup", N_("Follow-up of the plans"),
          N_("The open actions of all plans, with overdue actions marked in words, "
             "filtered by party or case, so the process director can watch over the "
             "progress of the plans."),
          N_("Articles 12.2g and 13.2 (watching over the plan of action)"),
          keys=_TABLE_KEYS, screens=("FollowUpScreen",)),
    Topic("parties", N_("Parties"),
          N_("The organisations that signed the covenant: their details, contact persons, "
             "the protocols they take part in, accession and the end of participation. A "
             "party that has left receives nothing from then on."),
          N_("Articles 20, 21 and 23 (accession, withdrawal, exclusion)"),
          keys=_TABLE_KEYS,
          screens=("PartiesScreen", "DetailsDialog", "MembershipDialog", "ContactDialog",
                   "EndParticipationDialog", "SignatureDialog", "DateDialog")),
    Topic("accession", N_("Accession of a new party"),
          N_("Register a new organisation after the Steering Group has agreed, and print "
             "Annex 1 for signing."),
          N_("Article 20 and Annex 1 (accession)"),
          keys=_WIZARD_KEYS, screens=("AccessionWizard",)),
    Topic("figures", N_("Figures"),
          N_("Figures about the cases for the manager and the Steering Group: numbers per "
             "protocol, status and period, never a name. Small numbers are suppressed so "
             "that no person can be recognised."),
          N_("Articles 4, 6.4 and 11 (Steering Group, annual report, manager)"),
          screens=("FiguresScreen",)),
    Topic("settings", N_("Settings"),
          N_("The language and the idle-lock time of this workstation, your own "
             "passphrase, and for an administrator the accounts of the vault. Each account "
             "has one role."),
          N_("Articles 11 to 14 (roles) and 17 (security)"),
          screens=("SettingsScreen", "AddAccountDialog", "ChangePassphraseDialog")),
)

BY_ID: dict[str, Topic] = {t.id: t for t in TOPICS}
_BY_SCREEN: dict[str, str] = {name: t.id for t in TOPICS for name in t.screens}
#: the main window's sections (``ui.navigation``) and their topics
SECTION_TOPICS = {"cases": "cases", "meetings": "meetings", "parties": "parties",
                  "figures": "figures", "followup": "followup", "settings": "settings"}
DEFAULT_TOPIC = "cases"


def topic_for(widget: QWidget | None) -> str | None:
    """The topic of the screen ``widget`` is part of: the nearest ancestor (or the widget
    itself) whose class, or one of its base classes, has a topic."""
    while widget is not None:
        for cls in type(widget).__mro__:
            topic = _BY_SCREEN.get(cls.__name__)
            if topic is not None:
                return topic
        widget = widget.parentWidget()
    return None


def topic_html(topic: Topic) -> str:
    """The guide for one screen, as the help window shows it."""
    parts = [f"<h2>{escape(_(topic.title))}</h2>",
             f"<p>{escape(_(topic.purpose))}</p>",
             "<p><b>{label}</b> {text}</p>".format(label=escape(_("Covenant:")),
                                                  text=escape(_(topic.covenant)))]
    if topic.tips:
        parts.append("<ul>" + "".join(f"<li>{escape(_(t))}</li>" for t in topic.tips)
                     + "</ul>")
    if topic.keys:
        heading = _("Keys on this screen")
        parts.append(f"<h3>{escape(heading)}</h3>")
        parts.append(_keys_table([(_(k.keys), _(k.does)) for k in topic.keys]))
    return "".join(parts)


def shortcuts() -> list[tuple[str, str]]:
    """Every window-wide shortcut of the action registry: (keys, what it does)."""
    return [(shortcut_text(s.id), _(s.label).replace("&", "")) for s in ACTION_SPECS
            if s.shortcut]


def shortcuts_html() -> str:
    heading = _("Keyboard shortcuts everywhere")
    return f"<h3>{escape(heading)}</h3>" + _keys_table(shortcuts())


def _keys_table(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><td><b>{escape(keys)}</b></td><td>{escape(does)}</td></tr>"
                   for keys, does in rows)
    return f'<table cellpadding="3">{body}</table>'


class HelpDialog(QDialog):
    """The help window: the guide of one screen (another can be chosen), and the shortcuts."""

    def __init__(self, topic_id: str, parent: QWidget | None = None,
                 about: Callable[[], None] | None = None, note: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("help_dialog")
        self.setWindowTitle(_("Help"))
        self.note = note
        self.resize(640, 560)
        self.topics = QComboBox()
        self.topics.setObjectName("help_topics")
        for topic in TOPICS:
            self.topics.addItem(_(topic.title), topic.id)
        choose = QLabel(_("&Screen:"))
        choose.setBuddy(self.topics)
        self.browser = QTextBrowser()
        self.browser.setObjectName("help_text")
        self.browser.setAccessibleName(_("Help text"))
        self.browser.setOpenLinks(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.about_button: QPushButton | None = None
        if about is not None:
            self.about_button = buttons.addButton(_("&About Casuskamer"),
                                                  QDialogButtonBox.ButtonRole.ActionRole)
            self.about_button.setObjectName("about_button")
            self.about_button.clicked.connect(about)
        top = QHBoxLayout()
        top.addWidget(choose)
        top.addWidget(self.topics, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.topics.currentIndexChanged.connect(self._show_current)
        self.show_topic(topic_id)
        self.browser.setFocus()

    def show_topic(self, topic_id: str) -> None:
        index = self.topics.findData(topic_id if topic_id in BY_ID else DEFAULT_TOPIC)
        if index == self.topics.currentIndex():
            self._show_current()
        self.topics.setCurrentIndex(index)

    def current_topic(self) -> str:
        return str(self.topics.currentData())

    def _show_current(self) -> None:
        topic = BY_ID.get(self.current_topic(), BY_ID[DEFAULT_TOPIC])
        note = f"<p>{escape(self.note)}</p>" if self.note else ""
        self.browser.setHtml(topic_html(topic) + shortcuts_html() + note)


# -- About ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Component:
    """A bundled part and its licence; ``files`` are under ``resources/licenses/``."""

    name: str
    licence: str
    files: tuple[str, ...]


COMPONENTS: tuple[Component, ...] = (
    Component("DejaVu Sans", "Bitstream Vera / DejaVu (free font licence)",
              ("DejaVu.txt",)),
    Component("Qt / PySide6 / Shiboken6", "LGPL-3.0",
              ("Qt-NOTICE.txt", "LGPL-3.0.txt", "GPL-3.0.txt")),
    Component("SQLCipher", "BSD-3-Clause (Zetetic LLC)", ("SQLCipher.txt",)),
    Component("sqlcipher3", "zlib", ("sqlcipher3.txt",)),
    Component("ReportLab", "BSD-3-Clause", ("reportlab.txt",)),
    Component("pypdf", "BSD-3-Clause", ("pypdf.txt",)),
    Component("SQLAlchemy", "MIT", ("SQLAlchemy.txt",)),
    Component("Alembic", "MIT", ("alembic.txt",)),
    Component("Mako", "MIT", ("Mako.txt",)),
    Component("MarkupSafe", "BSD-3-Clause", ("MarkupSafe.txt",)),
    Component("cryptography", "Apache-2.0 OR BSD-3-Clause",
              ("cryptography.txt", "cryptography-APACHE.txt", "cryptography-BSD.txt")),
    Component("cffi", "MIT-0", ("cffi.txt",)),
    Component("Babel", "BSD-3-Clause", ("Babel.txt",)),
    Component("platformdirs", "MIT", ("platformdirs.txt",)),
    Component("uharfbuzz / HarfBuzz", "Apache-2.0 / MIT (Old MIT)", ("uharfbuzz.txt",)),
    Component("typing_extensions", "PSF-2.0", ("typing_extensions.txt",)),
    Component("Python", "PSF-2.0", ("Python.txt",)),
)


def licence_folder() -> Path:
    return resource_path("licenses")


def licence_text(component: Component) -> str:
    texts = []
    for name in component.files:
        path = licence_folder() / name
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except OSError:
            texts.append(_("The licence text {file} is missing from this installation.")
                         .format(file=name))
    return "\n\n".join(texts)


class AboutDialog(QDialog):
    """Version, where the files live, and the licences of what the program bundles."""

    def __init__(self, vault_folder: Path, settings_file: Path | None = None,
                 log_folder: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("about_dialog")
        self.setWindowTitle(_("About Casuskamer"))
        self.resize(680, 600)
        rows = [(_("Version"), __version__),
                ("Python", platform.python_version()),
                ("Qt", f"{qVersion()} (PySide6 {PySide6.__version__})"),
                (_("House server profile") if vault_folder.is_file() else _("Vault folder"),
                 str(vault_folder))]
        if settings_file is not None:
            rows.append((_("Preferences"), str(settings_file)))
        if log_folder is not None:
            rows.append((_("Crash reports"), str(log_folder)))
        rows.append((_("Licence texts"), str(licence_folder())))
        table = "".join(f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>"
                        for k, v in rows)
        self.summary = QLabel(
            "<h2>Casuskamer</h2><p>{intro}</p><table cellpadding='2'>{table}</table>"
            "<p>{licence}</p>".format(
                intro=escape(_("Case management for a Zorg- en Veiligheidshuis, with an "
                               "encrypted vault on this workstation.")),
                table=table,
                licence=escape(_("Casuskamer is free software under the EUPL-1.2. It "
                                 "bundles the font and libraries below, each under its own "
                                 "licence."))))
        self.summary.setObjectName("about_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.components = QListWidget()
        self.components.setObjectName("about_components")
        for component in COMPONENTS:
            self.components.addItem(f"{component.name} \u2013 {component.licence}")
        components_label = QLabel(_("&Bundled components:"))
        components_label.setBuddy(self.components)
        self.licence = QPlainTextEdit()
        self.licence.setObjectName("about_licence")
        self.licence.setReadOnly(True)
        licence_label = QLabel(_("&Licence text:"))
        licence_label.setBuddy(self.licence)
        self.components.currentRowChanged.connect(self._show_licence)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(components_label)
        layout.addWidget(self.components, 1)
        layout.addWidget(licence_label)
        layout.addWidget(self.licence, 2)
        layout.addWidget(buttons)
        self.components.setCurrentRow(0)

    def _show_licence(self, row: int) -> None:
        if 0 <= row < len(COMPONENTS):
            self.licence.setPlainText(licence_text(COMPONENTS[row]))


# -- showing, and F1 outside the main window -------------------------------------------------

def show_help(parent: QWidget | None, topic_id: str | None, *,
              about: Callable[[], None] | None = None, note: str = "") -> HelpDialog:
    """Open the help window (not modal, so the screen stays usable beside it)."""
    dialog = HelpDialog(topic_id or DEFAULT_TOPIC, parent, about=about, note=note)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def show_about(parent: QWidget | None, vault_folder: Path, settings_file: Path | None = None,
               log_folder: Path | None = None) -> AboutDialog:
    dialog = AboutDialog(vault_folder, settings_file, log_folder, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


class F1Filter(QObject):
    """Shows the help of the focused screen when F1 is pressed in a window that has no Help
    action of its own (wizards, dialogs, the meeting windows)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.last: HelpDialog | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_F1
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            focus = QApplication.focusWidget()
            window = focus.window() if focus is not None else QApplication.activeWindow()
            if isinstance(window, HelpDialog):
                return False
            topic = topic_for(focus) or topic_for(window)
            self.last = show_help(window, topic)
            return True
        return False


def install_f1(app: QApplication) -> F1Filter:
    f1 = F1Filter(app)
    app.installEventFilter(f1)
    return f1

