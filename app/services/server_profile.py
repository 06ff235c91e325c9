"""Connection profiles for a house server (issue 22, point 1), for the command line and the
first-run wizard: ``casuskamer init --server URL --ca FILE --vault PROFILE`` writes one. No vault
is open here (a profile holds nothing secret), so there is no role to check. The program does
not yet connect to a server; see docs/house-server.md."""

from __future__ import annotations

from pathlib import Path

from app.store.profile import ServerProfile, make_profile, write_profile


def create_profile(url: str, ca_file: Path, path: Path) -> ServerProfile:
    """Check the address and the CA file and write the profile to the new file ``path``
    (``ValidationError`` for a password, a bad address, a missing CA or an existing file)."""
    profile = make_profile(url, ca_file)
    write_profile(path, profile)
    return profile
