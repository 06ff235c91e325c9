"""Fill empty msgstr entries of one .po file from a Python dict (developer aid).

    python tools/fill_po.py resources/locale/nl/AREA.po translations.py   (file defines NL = {...})
"""
import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

po_path, table_path = Path(sys.argv[1]), sys.argv[2]
table = runpy.run_path(table_path)["NL"]
with po_path.open("rb") as fh:
    catalog = read_po(fh)
missing = []
for message in catalog:
    if not message.id:
        continue
    key = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
    if key in table:
        value = table[key]
        message.string = tuple(value) if isinstance(message.id, (tuple, list)) else value
    elif not message.string or (isinstance(message.string, tuple) and not all(message.string)):
        missing.append(key)
with po_path.open("wb") as fh:
    write_po(fh, catalog, width=0, omit_header=False)
print(f"filled; still empty: {len(missing)}")
for m in missing:
    print("  ", m)
