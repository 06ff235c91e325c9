"""Developer tool for the translation catalogues.

    python tools/catalogue.py check            list msgids missing from or unused in nl/en
    python tools/catalogue.py add AREA [PATH..] append the msgids missing everywhere to
                                               resources/locale/{nl,en}/AREA.po (English
                                               filled in, Dutch left empty for you to write)

The test ``tests/test_catalogue.py`` uses the same functions.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "resources" / "locale"
SOURCES = ("app", "ui")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def used_messages(only: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """msgid -> its forms ((singular,) or (singular, plural)), from the code; ``only``
    limits it to files whose path (relative to the checkout) starts with one of those."""
    found: dict[str, tuple[str, ...]] = {}
    for folder in SOURCES:
        for file, _line, message, _comments, _ctx in extract_from_dir(
                ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS):
            rel = f"{folder}/{file}"
            if only and not rel.startswith(only):
                continue
            forms = tuple(message) if isinstance(message, (tuple, list)) else (message,)
            found[forms[0]] = forms
    return found


def catalogue_entries(language: str) -> dict[str, tuple[Path, tuple[str, ...]]]:
    """msgid -> (file, translations) for every entry of one language."""
    entries: dict[str, tuple[Path, tuple[str, ...]]] = {}
    for po in sorted((LOCALE / language).glob("*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=language)
        for message in catalog:
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
            strings = message.string if isinstance(message.string, (tuple, list)) else (
                message.string,)
            entries[key] = (po, tuple(s or "" for s in strings) if not message.fuzzy else ("",))
    return entries


def problems(language: str) -> tuple[list[str], list[str]]:
    used = used_messages()
    entries = catalogue_entries(language)
    missing = sorted(m for m in used if m not in entries or not all(entries[m][1]))
    unused = sorted(m for m in entries if m not in used)
    return missing, unused


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


HEADER = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
          '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n"Language: {lang}\\n"\n\n')


def add(area: str, only: tuple[str, ...] = ()) -> None:
    used = used_messages(only)
    present = set(catalogue_entries("nl")) | set(catalogue_entries("en"))
    new = [forms for key, forms in used.items() if key not in present]
    for lang in ("nl", "en"):
        path = LOCALE / lang / f"{area}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = path.read_text(encoding="utf-8") if path.exists() else HEADER.format(lang=lang)
        for forms in new:
            if len(forms) == 1:
                value = _escape(forms[0]) if lang == "en" else ""
                text += f'msgid "{_escape(forms[0])}"\nmsgstr "{value}"\n\n'
            else:
                one, many = (_escape(forms[0]), _escape(forms[1])) if lang == "en" else ("", "")
                text += (f'msgid "{_escape(forms[0])}"\nmsgid_plural "{_escape(forms[1])}"\n'
                         f'msgstr[0] "{one}"\nmsgstr[1] "{many}"\n\n')
        path.write_text(text, encoding="utf-8")
    print(f"added {len(new)} entries to {area}.po")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "check":
        for lang in ("nl", "en"):
            missing, unused = problems(lang)
            print(f"[{lang}] missing {len(missing)}, unused {len(unused)}")
            for m in missing:
                print("  missing:", m)
            for m in unused:
                print("  unused:", m)
    elif len(sys.argv) >= 3 and sys.argv[1] == "add":
        add(sys.argv[2], tuple(sys.argv[3:]))
    else:
        print(__doc__)
        sys.exit(2)
