"""Every text a user sees is in both catalogues (Dutch and English), and no catalogue holds
an entry the code no longer uses."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import catalogue  # noqa: E402


@pytest.mark.parametrize("language", ["nl", "en"])
def test_catalogue_is_complete_and_has_no_stale_entries(language: str) -> None:
    missing, unused = catalogue.problems(language)
    assert not missing, f"missing from {language}: {missing[:20]}"
    assert not unused, f"unused in {language}: {unused[:20]}"


def test_dutch_is_the_default_and_translates() -> None:
    from app.i18n import _, current_language, set_language

    set_language("xx")
    assert current_language() == "nl"
    assert _("The vault is locked.") == "De kluis is vergrendeld."
    set_language("en")
    assert _("The vault is locked.") == "The vault is locked."
    set_language("nl")


def test_placeholders_survive_translation() -> None:
    """A Dutch text must use exactly the placeholders of its English original."""
    import re

    entries = catalogue.catalogue_entries("nl")
    for msgid, (path, strings) in entries.items():
        wanted = set(re.findall(r"\{(\w*)\}", msgid))
        for text in strings:
            if text:
                assert set(re.findall(r"\{(\w*)\}", text)) == wanted, (path.name, msgid)
