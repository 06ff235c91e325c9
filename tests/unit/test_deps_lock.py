"""Pinned dependencies (issue 25, point 9): every dependency in pyproject.toml is pinned to one
version with its sha256 hashes in requirements/lock.txt, the pin fits the declared range, the
runtime dependencies have an upper bound, pypdf is past the published denial-of-service
fixes, and the install step (the Makefile's, which CI runs) installs from the lock with
``--require-hashes``."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "lock.txt"

#: pypdf's newest release with published security fixes when this was written (7.0.0,
#: 2026-11-06, after CVE-2026-119203..119209 fixed in 6.21.4): crafted PDFs looping forever or
#: exhausting memory. Anything older admits a published denial of service.
PYPDF_FIXED = Version("7.0.0")


def declared() -> dict[str, list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups = {"runtime": [Requirement(r) for r in project["dependencies"]]}
    for extra, reqs in project.get("optional-dependencies", {}).items():
        groups[extra] = [Requirement(r) for r in reqs]
    return groups


def locked() -> dict[str, tuple[Version, int]]:
    """name -> (pinned version, number of hashes) from the lock file."""
    pins: dict[str, tuple[Version, int]] = {}
    current: str | None = None
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        pin = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", line)
        if pin:
            current = canonicalize_name(pin.group(1))
            pins[current] = (Version(pin.group(2)), 0)
        elif current and re.search(r"--hash=sha256:[0-9a-f]{64}", line):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
        elif not line.startswith((" ", "\t")):
            current = None
    return pins


def test_the_lock_file_exists():
    assert LOCK.is_file(), "requirements/lock.txt is missing: run `make lock`"


@pytest.mark.parametrize("group", ["runtime", "test", "package", "dev"])
def test_every_dependency_is_pinned_with_hashes_inside_its_range(group):
    pins = locked()
    for req in declared()[group]:
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} ({group}) is not in requirements/lock.txt: `make lock`"
        version, hashes = pins[name]
        assert hashes >= 1, f"{req.name} is pinned without a hash"
        assert req.specifier.contains(version, prereleases=True), (
            f"{req.name}=={version} in the lock is outside pyproject's {req.specifier}: "
            "`make lock`")


def test_every_locked_package_has_hashes():
    no_hash = [name for name, (_v, hashes) in locked().items() if hashes == 0]
    assert not no_hash, f"pinned without a hash: {no_hash}"


def test_runtime_dependencies_have_an_upper_bound():
    """A new major release may break us (or, for sqlcipher3, the vault's format): each
    runtime dependency says below which version it is known to work."""
    unbounded = [str(req) for req in declared()["runtime"]
                 if not any(spec.operator in ("<", "<=", "==", "~=") for spec in req.specifier)]
    assert not unbounded, f"no upper bound: {unbounded}"


def test_pypdf_is_past_the_published_denial_of_service_fixes():
    pypdf = next(r for r in declared()["runtime"] if canonicalize_name(r.name) == "pypdf")
    floors = [Version(s.version) for s in pypdf.specifier if s.operator in (">=", "==", "~=")]
    assert floors and min(floors) >= PYPDF_FIXED, f"pyproject admits {pypdf}"
    assert not pypdf.specifier.contains(Version("6.21.3")), "a vulnerable pypdf is admitted"
    assert locked()["pypdf"][0] >= PYPDF_FIXED


def test_the_install_step_installs_exactly_the_locked_set():
    """`make venv`/`make test` (and so CI) install from the lock with hashes required, and the
    program itself without resolving dependencies again."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    rule = re.search(r"^\$\(STAMP\):.*?(?=^\S)", makefile, re.M | re.S)
    assert rule, "no $(STAMP) rule in the Makefile"
    body = rule.group(0)
    assert re.search(r"pip install .*--require-hashes -r \$\(LOCK\)", body)
    assert "requirements/lock.txt" in makefile
    for line in body.splitlines():
        if "pip install" in line and "--require-hashes" not in line:
            assert "--no-deps" in line, f"installs outside the lock: {line.strip()}"
