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
from app.i18n import _, ngettext
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


def write_import_receipts(parent: QWidget, vault: OpenVault, numbers: list[str]) -> int:
    """After an import (issue 24, point 3): ask for a folder, then write each new case's
    receipt for its referring party there (``ZVH-2026-0042_receipt.pdf``), each through
    the receipt service (the sharing policy, the disclosure log). Says what was written and
    what was refused, one line each; returns how many files were written."""
    title = _("Receipts for the referring parties")
    folder = dialogs.choose_folder(parent, title)
    if folder is None or not numbers:
        return 0
    written: list[str] = []
    refused: list[str] = []
    for number in numbers:
        target = Path(folder) / referral_receipts.file_name(number, "receipt")
        try:
            referral_receipts.export_receipt(vault, number, target)
        except CasuskamerError as exc:
            refused.append(str(exc))
            continue
        except OSError as exc:
            refused.append(_("The receipt of {number} was not written: {reason}")
                           .format(number=number, reason=exc.strerror or exc))
            continue
        written.append(number)
    text = ngettext("{n} receipt written to {folder}; recorded in the disclosure log.",
                    "{n} receipts written to {folder}; recorded in the disclosure log.",
                    len(written)).format(n=len(written), folder=folder)
    if refused:
        dialogs.warn(parent, title, "\n".join([text, *refused]))
    else:
        dialogs.inform(parent, title, text)
    return len(written)


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
