"""One word per concept (issue 18, point 6): the users speak the covenant's words, and
``shared/domain/GLOSSARY.md`` fixes one form for each. Every catalogue (``resources/locale/
{nl,en}/*.po``) is read whole, and a text that uses a variant the glossary forbids fails by
file, message and the variant found:

- casuscoördinator, not casusregisseur (the covenant's art. 1.13 defines "Casuscoördinator";
  its other word for the role is not used on screen or paper);
- privacyprotocol in running text, not "Privacy Protocol" (art. 15.3 capitalises the defined
  term; a verbatim quotation of the covenant, which cites its article, keeps it);
- casusoverleg in lower case inside a sentence ("Nieuw casusoverleg", "het casusoverleg");
- procesregisseur and hand-out written as one form each.

English keeps its own single forms: case coordinator, process director, privacy protocol,
handout, case meeting.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[2] / "resources" / "locale"

#: (pattern, the one form to use instead); patterns are searched in every translation
FORBIDDEN: dict[str, list[tuple[str, str]]] = {
    "nl": [
        (r"(?i)casus-?regisseur", "casuscoördinator"),
        (r"(?i)casus-?coordinator", "casuscoördinator (with ö)"),
        (r"(?i)casus co[oö]rdinator|casus-coördinator", "casuscoördinator"),
        (r"Privacy Protocol|privacy protocol|Privacy protocol|privacy-protocol",
         "privacyprotocol"),
        (r"(?i)proces-regisseur|proces regisseur|procesregiseur", "procesregisseur"),
        (r"(?i)\bhandouts?\b|hand outs?\b", "hand-out"),
    ],
    "en": [
        (r"(?i)case director|case manager\b|case-coordinator|case co-ordinator",
         "case coordinator"),
        (r"(?i)process manager|process-director", "process director"),
        (r"Privacy Protocol|privacy-protocol", "privacy protocol"),
        (r"(?i)hand-outs?\b", "handout"),
        (r"New Case Meeting|New Case meeting", "New case meeting"),
        (r"(?<=[a-z,] )Case [Mm]eeting\b", "case meeting"),
    ],
}

#: A capital "Casusoverleg" (singular) is right only where a sentence or a title starts.
_MID_SENTENCE_CASUSOVERLEG = re.compile(r"(?<=[a-zà-ÿ,;] )Casusoverleg\b|\bNieuw Casusoverleg")


def _quotes_the_covenant(text: str) -> bool:
    """A verbatim quotation of the covenant cites its article and keeps its capitals."""
    return re.search(r"\((convenant )?artikel \d", text) is not None


def _entries(lang: str) -> list[tuple[str, str, str]]:
    """(file, msgid, text) for every translation of ``lang`` (English: the msgid too)."""
    out: list[tuple[str, str, str]] = []
    for po in sorted((LOCALE / lang).glob("*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message in catalog:
            if not message.id:
                continue
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            strings = ([message.string] if isinstance(message.string, str)
                       else list(message.string or ()))
            texts = [s for s in strings if s]
            if lang == "en":
                texts += ids
            for text in texts:
                out.append((po.name, ids[0], text))
    return out


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_catalogues_use_one_word_per_concept(lang: str) -> None:
    problems = []
    for name, msgid, text in _entries(lang):
        if _quotes_the_covenant(text):
            continue
        for pattern, instead in FORBIDDEN[lang]:
            for hit in re.finditer(pattern, text):
                problems.append(f"{lang}/{name}: {msgid[:60]!r} says {hit.group(0)!r}; "
                                f"write {instead}")
        if lang == "nl":
            for hit in _MID_SENTENCE_CASUSOVERLEG.finditer(text):
                problems.append(f"nl/{name}: {msgid[:60]!r} says {hit.group(0)!r} inside a "
                                "sentence; write casusoverleg")
    assert not problems, "\n".join(problems)


def test_the_check_finds_the_variants_the_issue_names() -> None:
    """The patterns themselves: each variant named in issue 18 is caught."""
    said = ["De naam van de casusregisseur", "Privacy Protocol", "Nieuw Casusoverleg",
            "Agenda Casusoverleg"]
    for text in said:
        caught = any(re.search(p, text) for p, _ in FORBIDDEN["nl"]) or \
            _MID_SENTENCE_CASUSOVERLEG.search(text)
        assert caught, text
    for fine in ["De naam van de casuscoördinator", "Privacyprotocol", "Nieuw casusoverleg",
                 "Casusoverleg 12 maart", "Hand-outs maken"]:
        assert not any(re.search(p, fine) for p, _ in FORBIDDEN["nl"]), fine
        assert not _MID_SENTENCE_CASUSOVERLEG.search(fine), fine


def test_the_wizards_draft_buttons_say_the_same() -> None:
    """The intake wizard said "Bewaren als concept en sluiten" / "Sluiten" where the triage
    wizard said "Concept opslaan en sluiten" / "Annuleren"."""
    import ast

    root = Path(__file__).resolve().parents[2] / "ui"
    for wizard in ("cases/intake_wizard.py", "triage/wizard.py"):
        tree = ast.parse((root / wizard).read_text(encoding="utf-8"))
        texts = {}
        for call in ast.walk(tree):
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "setButtonText"):
                which = ast.unparse(call.args[0]).rsplit(".", 1)[-1]
                texts[which] = ast.unparse(call.args[1])
        assert texts.get("CustomButton1") == "_('Save draft and close')", (wizard, texts)
        assert "CancelButton" not in texts, (wizard, "Cancel keeps Qt's word, Annuleren")
