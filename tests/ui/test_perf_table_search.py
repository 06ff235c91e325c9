"""The Cases table's search box, typed as a person types (issue 23, point 3): whatever is
typed, added to, deleted from or pasted, the rows shown are exactly the rows whose search
key holds every word of the text, in list order, as a search from scratch over the
whole list gives them. The proxy answers from the previous answers (typing on narrows them,
deleting goes back to them, a word inside the beginning every key shares narrows
nothing, a one-character word's hits are kept), and the list's answer gives that shared
beginning made ahead; none of it may change which rows are shown.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.services.cases import CaseRows, fold_query
from ui.cases.case_table import CaseFilterProxy, CaseTableModel

#: Few letters, so that words and texts overlap often.
LETTERS = "aejnrs0123-"
_word = st.text(alphabet=LETTERS, min_size=1, max_size=6)
_key = st.lists(_word, min_size=1, max_size=4).map(" ".join)


def _rows(keys: list[str]) -> CaseRows:
    """A list's answer with these search keys (each behind a case number "zvh-2026-…")."""
    raw = [(i + 1, f"ZVH-2026-{i:04d}", 0, 0, None, "2026-01-05", f"Naam {i}",
            f"zvh-2026-{i:04d} {key}") for i, key in enumerate(keys)]
    return CaseRows(raw, {}, {}, {}, {}, {})


def _from_scratch(keys: list[str], text: str) -> list[int]:
    # the query as the search box reads it (case and accents folded, a BSN's spaces
    # closed up)
    words = fold_query(text).split()
    return [i for i, key in enumerate(keys) if all(w in key for w in words)]


_typing = st.lists(
    st.one_of(
        st.tuples(st.just("type"), st.text(alphabet=LETTERS + " ", min_size=1, max_size=3)),
        st.tuples(st.just("delete"), st.integers(min_value=1, max_value=4)),
        st.tuples(st.just("paste"), st.text(alphabet=LETTERS + " ", max_size=12)),
        st.tuples(st.just("number"), st.integers(min_value=1, max_value=12)),
    ),
    min_size=1, max_size=25)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=st.lists(_key, min_size=1, max_size=40), steps=_typing)
def test_the_rows_shown_are_those_a_search_from_scratch_finds(
        qapp: Any, keys: list[str], steps: list[tuple[str, Any]]) -> None:
    model = CaseTableModel()
    proxy = CaseFilterProxy()
    proxy.setSourceModel(model)
    rows = _rows(keys)
    rows.common_prefix()  # made ahead, as the screen's loader does
    model.set_rows(rows)
    full = [f"zvh-2026-{i:04d} {key}" for i, key in enumerate(keys)]
    text = ""
    for action, value in steps:
        if action == "type":
            text += value
        elif action == "delete":
            text = text[:-value]
        elif action == "paste":
            text = value
        else:  # the beginning of a case number
            text = "zvh-2026-0"[:value]
        proxy.set_search(text)
        shown = [proxy.source_row(r) for r in range(proxy.rowCount())]
        assert shown == _from_scratch(full, text), text
    model.clear()
