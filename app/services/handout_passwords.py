"""Handout passwords: one per recipient, never one for a batch (issue 25, point 4).

The rule, for the command line and the desktop program alike:

1. Handouts are password-protected unless the user explicitly declines (``--no-password``,
   or unticking the box and confirming); declining is recorded in each file's disclosure
   row (``protection: declined``), as protection per recipient is (``per_recipient``).
2. Every recipient party gets its own password, made for this batch with ``secrets``
   (:func:`new_password`: 20 random characters from an alphabet without look-alikes, in
   five groups of four, about 115 bits). One party's password never opens another party's
   handout, and no password is reused from an earlier batch.
3. Each password is shown once, beside its party (the handouts dialog, with a copy button
   through the clipboard guard), or printed once on the terminal, or written to a separate
   passwords file for the house's secure mail (:func:`write_passwords_file`: mode 600,
   written atomically, never inside the folder of the handouts themselves). It is never
   stored in the vault, and never enters the audit log or a log line.

No Qt here; the vault is not touched (the handouts service writes and records the files).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.errors import ValidationError
from app.export import pdf
from app.i18n import _
from app.services.handouts import BatchResult


def new_password() -> str:
    """A fresh random password for one recipient (``secrets``; see the module's rule 2)."""
    return pdf.generate_password()


class PerRecipient:
    """The passwords of one batch: asked for a party, it makes that party's own password
    the first time and gives the same one again for the same party (one file each), never
    another party's. Pass it as the batch's ``passwords``; read them with :meth:`issued`
    once the files are written, then :meth:`forget` them."""

    def __init__(self) -> None:
        self._by_party: dict[int, str] = {}

    def __call__(self, party_id: int) -> str:
        found = self._by_party.get(party_id)
        if found is None:
            found = new_password()
            while found in self._by_party.values():   # practically never; never shared
                found = new_password()
            self._by_party[party_id] = found
        return found

    def issued(self) -> dict[int, str]:
        """Party id -> its password, for every party asked for so far."""
        return dict(self._by_party)

    def forget(self) -> None:
        self._by_party.clear()

    def __repr__(self) -> str:                      # never the passwords in a traceback
        return f"PerRecipient({len(self._by_party)} parties)"


@dataclass(frozen=True)
class PartyPassword:
    """One handout written: the party (its name), the file's name and its password."""

    party_id: int
    party: str
    file: str
    password: str

    def __repr__(self) -> str:
        return f"PartyPassword(party_id={self.party_id}, file={self.file!r})"


def pair(batch: BatchResult, passwords: Mapping[int, str],
         party_names: Mapping[int, str]) -> list[PartyPassword]:
    """Each protected file of ``batch`` with its party's name and password, in the batch's
    order (files written without a password are left out)."""
    found = []
    for result in batch.exported:
        pid = result.party_id
        if pid is None or not result.encrypted or pid not in passwords:
            continue
        found.append(PartyPassword(pid, party_names.get(pid, str(pid)), result.path.name,
                                   passwords[pid]))
    return found


def check_passwords_file(path: Path, out_dir: Path) -> Path:
    """The passwords file's place, checked before anything is made: its folder exists, it
    is not a folder, and it is not among the handouts (a file in the handouts' folder would
    be sent along with them)."""
    path = Path(path)
    target = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ValidationError(_("The passwords file {file} is a folder.").format(file=path),
                              field="passwords_file")
    if not target.is_dir():
        raise ValidationError(_("The folder of the passwords file {file} does not exist.")
                              .format(file=path), field="passwords_file")
    if _same_folder(target, Path(out_dir)):
        raise ValidationError(_("The passwords file may not be in the handouts' folder: "
                                "it would be sent along with them. Choose another place."),
                              field="passwords_file")
    return path


def _same_folder(first: Path, second: Path) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return first.resolve() == second.resolve()


def passwords_file_text(entries: Iterable[PartyPassword]) -> str:
    """One line per party: the party's name, the file's name and the password, separated
    by tabs (no header, so that each line is one party)."""
    return "".join(f"{_one_line(e.party)}\t{_one_line(e.file)}\t{e.password}\n"
                   for e in entries)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def write_passwords_file(path: Path, entries: Sequence[PartyPassword]) -> None:
    """Write the passwords file for the house's secure mail: mode 600, atomically (a reader
    sees the whole file or none), replacing an older one."""
    pdf.write_atomically(Path(path), passwords_file_text(entries).encode("utf-8"))
