"""The first-run wizard as data (no Qt): where the vault goes, then its first administrator.

The steps in the one wizard protocol (``app.domain.wizard``). The folder step's check needs
two facts about the folder typed (whether it already holds a vault, whether it is a file),
which the wizard finds out and passes as the context; the passphrase pair checks its own
passphrase (strength and repetition) when the vault is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.domain.accounts import check_account_name
from app.domain.wizard import FieldError, Flow, Step, collect
from app.i18n import N_, _


class FirstRunStep(StrEnum):
    FOLDER = "folder"
    ACCOUNT = "account"


@dataclass(frozen=True)
class SetupDraft:
    """What the first-run wizard has typed: the vault folder and the account name."""

    folder: str = ""
    account: str = ""


@dataclass(frozen=True)
class FolderFacts:
    """What the folder typed is: it holds a vault already; it is a file, not a folder."""

    holds_vault: bool = False
    is_file: bool = False


def _folder_step(draft: SetupDraft, facts: FolderFacts) -> list[FieldError]:
    if not draft.folder.strip():
        return [FieldError("folder", _("Choose a folder for the vault."))]
    if facts.holds_vault:
        return [FieldError("folder", _("There is already a vault in this folder. Choose "
                                       "another folder, or start the program with that "
                                       "vault."))]
    if facts.is_file:
        return [FieldError("folder", _("This is a file, not a folder."))]
    return []


def _account_step(draft: SetupDraft, facts: FolderFacts) -> list[FieldError]:
    found: list[FieldError] = []
    collect(found, lambda: check_account_name(draft.account.strip()))
    return found


#: The first-run wizard in the one wizard protocol.
FLOW: Flow[SetupDraft, FolderFacts] = Flow("first_run", [
    Step(FirstRunStep.FOLDER, N_("Where will the vault be kept?"),
         N_("The vault is one encrypted folder holding all case data of the house. Choose a "
            "folder on this workstation that is included in the backups."),
         _folder_step, ("folder",)),
    Step(FirstRunStep.ACCOUNT, N_("The first administrator"),
         N_("This account manages the accounts of colleagues, the parties and the settings. "
            "Keep its passphrase somewhere safe: without a passphrase the vault cannot be "
            "opened by anyone."),
         _account_step, ("account", "passphrase")),
])
