"""The two documents that go back to the referring party (issue 24), from the case screen:
the receipt of the referral and the triage outcome, each a PDF made by
``app.services.referral_receipts`` (which asks the sharing policy: only the referring party)
and recorded in the disclosure log. The file name holds the case number only; a refusal (no
outcome yet, the referring party left the covenant) is one clear line.
"""

from __future__ import annotations

from pathlib import Path
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from app.errors import CasuskamerError
from app.i18n import _
from app.services import referral_receipts
from app.vault.vault import OpenVault
from ui import dialogs


def export_for_referrer(parent: QWidget, vault: OpenVault, number: str, kind: str) -> bool:
    """Ask where to save, then write the receipt (``kind`` "receipt") or the triage outcome
    ("triage-outcome"); True when a file was written."""
    title = (_("Receipt for the referring party") if kind == "receipt"
             else _("Triage outcome for the referring party"))
    target = dialogs.save_file(parent, title, Path(referral_receipts.file_name(number, kind)),
                               _("PDF files (*.pdf)"))
    if target is None:
        return False
    try:
        if kind == "receipt":
            result = referral_receipts.export_receipt(vault, number, target)
        else:
            result = referral_receipts.export_triage_outcome(vault, number, target)
    except CasuskamerError as exc:
        dialogs.warn(parent, title, str(exc))
        return False
    dialogs.inform(parent, title, _("Written to {file}; recorded in the disclosure log.")
                   .format(file=result.path))
    return True


def referrer_buttons(screen: QWidget, vault: OpenVault, number: str) -> QWidget:
    """The row of two buttons for the case screen's referral box."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    for kind, text in (("receipt", _("&Receipt for the referrer\u2026")),
                       ("triage-outcome", _("Triage &outcome for the referrer\u2026"))):
        button = QPushButton(text)
        button.setObjectName(f"export_{kind.replace('-', '_')}")
        button.clicked.connect(lambda _c=False, k=kind: export_for_referrer(screen, vault,
                                                                              number, k))
        row.addWidget(button)
    row.addStretch(1)
    return box
