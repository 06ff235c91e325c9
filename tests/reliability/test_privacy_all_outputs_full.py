"""The all-outputs leak test at full size (issue 16, point 8), for ``make reliability``.

The same world generator and checker as the CI run (``tests/unit/test_privacy_all_outputs.py``,
2,000 + 20 worlds), on other seeds and many more of them: 20,000 worlds at the level of the
pure functions and 300 end to end on real vaults (every subject of each case through the
subject-access draft, review and PDF; the command line on every vault). Without ``--full``
it is skipped: the CI run covers the same code.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.privacy_world import Tally, run_pure, run_vaults
from tests.reliability.conftest import Counts

PURE_WORLDS = 20_000
VAULT_WORLDS = 300
PURE_FIRST_SEED = 1_000_000
VAULT_FIRST_SEED = 2_000_000


def _report(problems: list[str], limit: int = 20) -> str:
    return "\n".join(problems[:limit]) + (f"\n... and {len(problems) - limit} more"
                                          if len(problems) > limit else "")


@pytest.mark.timeout(3600)
def test_no_output_leaks_in_20000_worlds(full: bool, counts: Counts) -> None:
    if not full:
        pytest.skip("--full only (make reliability); the CI run is "
                    "tests/unit/test_privacy_all_outputs.py")
    tally = Tally()
    started = time.monotonic()
    problems = run_pure(range(PURE_FIRST_SEED, PURE_FIRST_SEED + PURE_WORLDS), tally)
    for key, n in tally.counts.items():
        counts.add(f"privacy pure: {key}", n)
    counts.add("privacy pure: seconds", int(time.monotonic() - started))
    assert not problems, _report(problems)
    assert tally.counts["worlds (pure)"] == PURE_WORLDS


@pytest.mark.timeout(7200)
def test_no_output_leaks_end_to_end_300_worlds(full: bool, counts: Counts,
                                              tmp_path: Path) -> None:
    if not full:
        pytest.skip("--full only (make reliability); the CI run is "
                    "tests/unit/test_privacy_all_outputs.py")
    tally = Tally()
    started = time.monotonic()
    problems = run_vaults(list(range(VAULT_FIRST_SEED, VAULT_FIRST_SEED + VAULT_WORLDS)),
                          tmp_path, tally, per_vault=10, subjects_per_case=4, cli=True)
    for key, n in tally.counts.items():
        counts.add(f"privacy e2e: {key}", n)
    counts.add("privacy e2e: seconds", int(time.monotonic() - started))
    assert not problems, _report(problems)
    assert tally.counts["worlds (vault)"] == VAULT_WORLDS
