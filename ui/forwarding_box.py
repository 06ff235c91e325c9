"""Settings, for the administrator: forwarding the audit log to the house's central log
(issue 17, point 6; ``app.vault.forwarding``).

The collector's address (``HOST:PORT``) and the CA certificate its certificate must verify
against; "Forward" tries the collector off the GUI thread and stores the settings in the
vault (a certificate that does not verify is refused, a collector that does not answer is
stored and named); "Stop forwarding" turns it off. The state line says where rows go, how
many wait and the last problem. A client certificate is set with ``casuskamer config``.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.errors import CasuskamerError
from app.i18n import _, ngettext
from app.vault import forwarding
from app.vault.vault import OpenVault
from ui import a11y, dialogs
from ui.tasks import run_in_background


class ForwardingBox(QGroupBox):
    def __init__(self, vault: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(_("Central log (syslog over TLS)"), parent)
        self.setObjectName("forwarding")
        self.vault = vault
        intro = QLabel(_("Every audit row, without personal data, is also sent to the "
                         "house's central log. Rows wait in the vault while it cannot be "
                         "reached."))
        intro.setWordWrap(True)
        self.state = QLabel("")
        self.state.setObjectName("forwarding_state")
        self.state.setWordWrap(True)
        self.problem = QLabel("")
        self.problem.setObjectName("forwarding_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(a11y.warning_style())
        self.problem.setVisible(False)
        self.collector = QLineEdit()
        self.collector.setObjectName("forwarding_collector")
        self.collector.setPlaceholderText(_("for example: siem.gemeente.nl:6514"))
        self.ca_file = QLineEdit()
        self.ca_file.setObjectName("forwarding_ca_file")
        self.ca_file.setPlaceholderText(_("CA certificate (PEM file)"))
        self.choose_ca = QPushButton(_("C&hoose..."))
        self.choose_ca.setObjectName("forwarding_choose_ca")
        self.choose_ca.clicked.connect(self._choose_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(self.choose_ca)
        self.save_button = QPushButton(_("&Forward"))
        self.save_button.setObjectName("forwarding_save")
        self.save_button.clicked.connect(self.save)
        self.off_button = QPushButton(_("S&top forwarding"))
        self.off_button.setObjectName("forwarding_off")
        self.off_button.clicked.connect(self.turn_off)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.off_button)
        buttons.addWidget(self.save_button)

        form = QFormLayout(self)
        form.addRow(intro)
        form.addRow(self.state)
        form.addRow(self.problem)
        collector_label = QLabel(_("Co&llector:"))
        a11y.tie(collector_label, self.collector)
        form.addRow(collector_label, self.collector)
        ca_label = QLabel(_("C&A certificate:"))
        a11y.tie(ca_label, self.ca_file)
        form.addRow(ca_label, ca_row)
        form.addRow(buttons)
        self.refresh()

    def refresh(self, problem: str | None = None) -> None:
        try:
            state = forwarding.status(self.vault)
        except CasuskamerError as exc:
            self.state.setText(str(exc))
            return
        if state.collector is None:
            self.state.setText(_("Off: the audit log stays in the vault only."))
        else:
            delivered = (_("last delivered: row {id}").format(id=state.delivered.audit_id)
                         if state.delivered else _("nothing delivered yet"))
            self.state.setText(ngettext("On: sent to {address}; {queued} row waiting; "
                                        "{delivered}.",
                                        "On: sent to {address}; {queued} rows waiting; "
                                        "{delivered}.", state.queued).format(
                address=state.collector, queued=state.queued, delivered=delivered))
            if not self.collector.text():
                self.collector.setText(state.collector)
        shown = problem or state.last_problem
        self.problem.setText(shown or "")
        self.problem.setVisible(bool(shown))
        self.off_button.setEnabled(state.collector is not None)

    def _choose_ca(self) -> None:
        path = dialogs.open_file(self, _("CA certificate"),
                                 file_filter=_("Certificates (*.pem *.crt);;All files (*)"))
        if path is not None:
            self.ca_file.setText(str(path))

    def _busy(self, busy: bool) -> None:
        for widget in (self.save_button, self.off_button, self.collector, self.ca_file,
                       self.choose_ca):
            widget.setEnabled(not busy)

    def save(self) -> None:
        from pathlib import Path

        vault, collector = self.vault, self.collector.text().strip()
        try:
            current = forwarding.config_of(vault)
            if self.ca_file.text().strip():
                ca_pem = forwarding.read_pem_file(Path(self.ca_file.text().strip()),
                                                  "ca-file")
            elif current is not None:
                ca_pem = current.ca_pem
            else:
                raise CasuskamerError(_("Choose the CA certificate the collector's "
                                        "certificate must verify against."))
            forwarding.parse_collector(collector)
        except CasuskamerError as exc:
            dialogs.error(self, _("Central log"), str(exc))
            return
        self._busy(True)
        run_in_background(lambda: forwarding.configure(vault, collector, ca_pem),
                          self._saved, self._failed, context=self)

    def _saved(self, problem: str | None) -> None:
        self._busy(False)
        forwarding.start_background(self.vault)
        self.refresh(problem)

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        self.refresh()
        if not isinstance(exc, CasuskamerError):
            raise exc
        dialogs.error(self, _("Central log"), str(exc))

    def turn_off(self) -> None:
        if not dialogs.confirm(self, _("Central log"),
                               _("Stop forwarding the audit log to the central log?"),
                               yes_label=_("Stop forwarding")):
            return
        vault = self.vault
        self._busy(True)
        run_in_background(lambda: forwarding.disable(vault), self._turned_off, self._failed,
                          context=self)

    def _turned_off(self, _dropped: int) -> None:
        self._busy(False)
        self.collector.clear()
        self.refresh()
