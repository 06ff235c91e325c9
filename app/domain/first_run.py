"""The first-run wizard as data (no Qt): where the vault goes, then its first administrator;
or, for a workstation joining a house server (issue 22, point 1), the server's address and
CA file and where its connection profile is written.

The steps in the one wizard protocol (``app.domain.wizard``). The first step chooses: a vault
folder on this workstation (then its first administrator), or the house server (then the
server step, the last). The folder step's check needs two facts about the folder typed
(whether it already holds a vault, whether it is a file), the server step what the address
and CA file checks found; the wizard finds them out and passes them as the context. The
passphrase pair checks its own passphrase (strength and repetition) when the vault is made.
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
    SERVER = "server"


class Where(StrEnum):
    """Where the house's cases are kept."""

    LOCAL = "local"    # a vault folder on this workstation
    SERVER = "server"  # the house server (PostgreSQL), through a connection profile


@dataclass(frozen=True)
class SetupDraft:
    """What the first-run wizard has typed: the vault folder and the account name; or the
    server's address, its CA file and the profile's file."""

    folder: str = ""
    account: str = ""
    where: Where = Where.LOCAL
    server: str = ""
    ca_file: str = ""
    profile: str = ""


@dataclass(frozen=True)
class FolderFacts:
    """What the folder typed is: it holds a vault already; it is a file, not a folder. For
    the server: what the checks of the address, the CA file and the profile's path refused
    (field, message)."""

    holds_vault: bool = False
    is_file: bool = False
    server_refusals: tuple[FieldError, ...] = ()


def _folder_step(draft: SetupDraft, facts: FolderFacts) -> list[FieldError]:
    if draft.where is Where.SERVER:
        return []  # the server step checks what is typed there
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


def _server_step(draft: SetupDraft, facts: FolderFacts) -> list[FieldError]:
    found: list[FieldError] = []
    if not draft.server.strip():
        found.append(FieldError("server", _("Type the house server's address, e.g. "
                                            "postgresql://server.zvh.local/casuskamer.")))
    if not draft.ca_file.strip():
        found.append(FieldError("ca_file", _("Choose the CA file your IT department gave "
                                             "you.")))
    if not draft.profile.strip():
        found.append(FieldError("profile", _("Choose where the connection profile is "
                                             "saved.")))
    named = {f.field for f in found}
    return found + [f for f in facts.server_refusals if f.field not in named]


def _after_folder(draft: SetupDraft) -> str | None:
    return FirstRunStep.SERVER if draft.where is Where.SERVER else FirstRunStep.ACCOUNT


#: The first-run wizard in the one wizard protocol.
FLOW: Flow[SetupDraft, FolderFacts] = Flow("first_run", [
    Step(FirstRunStep.FOLDER, N_("Where will the vault be kept?"),
         N_("The vault is one encrypted folder holding all case data of the house. Choose a "
            "folder on this workstation that is included in the backups."),
         _folder_step, ("folder",), next=_after_folder),
    Step(FirstRunStep.ACCOUNT, N_("The first administrator"),
         N_("This account manages the accounts of colleagues, the parties and the settings. "
            "Keep its passphrase somewhere safe: without a passphrase the vault cannot be "
            "opened by anyone."),
         _account_step, ("account", "passphrase"), next=lambda _draft: None),
    Step(FirstRunStep.SERVER, N_("Join the house server"),
         N_("Your IT department gives you the house server's address and its CA file. The "
            "profile saved here holds no password: you sign in with your own account and "
            "passphrase."),
         _server_step, ("server", "ca_file", "profile")),
])
