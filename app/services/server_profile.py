"""Connection profiles for a house server (issue 22, points 1 and 6), for the command line and
the first-run wizard.

- ``create_profile``: ``casuskamer init --server URL --ca FILE --vault PROFILE`` for a
  workstation joining an existing house: writes the profile only (a profile holds nothing
  secret, no vault is open, so there is no role to check);
- ``create_house_profile``: the same with ``--create``: first the house on the server, made
  by the migration owner's login (``app.vault.server_admin``), with its first administrator
  account, then the profile;
- ``upgrade_house``: ``casuskamer upgrade --vault PROFILE`` as the migration owner.

The migration owner's password is passed in by the caller for this one step and kept
nowhere; the server checks that the login may do it (the owner is no account of the
program, so the permission matrix has no row for it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.domain.wizard import FieldError
from app.errors import ValidationError, file_write_failed
from app.i18n import _
from app.store.profile import (ServerProfile, check_ca_file, make_profile, parse_server_url,
                               read_profile, write_profile)
from app.vault import server_admin


def create_profile(url: str, ca_file: Path, path: Path, *,
                   make_folder: bool = False) -> ServerProfile:
    """Check the address and the CA file and write the profile to the new file ``path``
    (``ValidationError`` for a password, a bad address, a missing CA or an existing file).
    ``make_folder``: make its folder first when missing (the first-run wizard's default
    place, in the program's data folder that a new workstation does not have yet)."""
    profile = make_profile(url, ca_file)
    if make_folder:
        try:
            Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise file_write_failed(exc, path) from None
    write_profile(path, profile)
    return profile


def check_new_house(url: str, ca_file: Path, path: Path) -> ServerProfile:
    """What ``init --server ... --create`` checks before it asks for any secret: the
    address, the CA file and that the profile's path is free."""
    profile = make_profile(url, ca_file)
    _free(path)
    return profile


def _free(path: Path) -> None:
    if Path(path).exists():
        raise ValidationError(_("{path} already exists: choose a new file for the "
                                "profile.").format(path=path), field="vault")


def create_house_profile(url: str, ca_file: Path, path: Path, owner_user: str,
                         owner_password: str, account: str,
                         passphrase: str) -> tuple[ServerProfile, str]:
    """Make the house in the empty database ``url`` names, as the migration owner's login
    ``owner_user``, with ``account`` as its first administrator, then write the profile to
    the new file ``path``. Returns the profile and the house's vault id. Everything is
    checked before the server is touched (address, CA, profile path, account name,
    passphrase); a refusal of the server changes nothing there."""
    profile = make_profile(url, ca_file)
    _free(path)
    if not owner_user.strip():
        raise ValidationError(_("Name the migration owner's login on the server with "
                                "--owner."), field="owner")
    vault_id = server_admin.create_house(profile, owner_user, owner_password, account,
                                         passphrase)
    write_profile(path, profile)
    return profile, vault_id


def upgrade_house(path: Path, owner_user: str,
                  owner_password: str) -> server_admin.Upgrade:
    """The house of the profile ``path`` to this program's schema version, as the migration
    owner's login ``owner_user``."""
    if not owner_user.strip():
        raise ValidationError(_("Name the migration owner's login on the server with "
                                "--owner."), field="owner")
    return server_admin.upgrade_house(read_profile(path), owner_user, owner_password)


#: The field of the first-run wizard's draft each check's refusal concerns.
_DRAFT_FIELD = {"server": "server", "ca": "ca_file", "vault": "profile"}


def profile_refusals(url: str, ca_file: str, path: str) -> list[FieldError]:
    """What the first-run wizard's server step refuses of what is typed (each field only
    once something is typed there): the address (no password, a database named), the CA
    file (a PEM certificate) and the profile's path (a new file)."""
    checks: list[Callable[[], object]] = []
    if url.strip():
        checks.append(lambda: parse_server_url(url.strip()))
    if ca_file.strip():
        checks.append(lambda: check_ca_file(Path(ca_file.strip()).expanduser()))
    if path.strip():
        checks.append(lambda: _free(Path(path.strip()).expanduser()))
    found: list[FieldError] = []
    for check in checks:
        try:
            check()
        except ValidationError as exc:
            found.append(FieldError(_DRAFT_FIELD.get(exc.field or "", "profile"), str(exc)))
    return found
