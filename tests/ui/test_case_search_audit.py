"""The case search box is audited (issue 17, point 5; NEN 7513: every search of personal data).

Found by the review: "the case search box is never audited". Now one row per settled search
(not per keystroke), with the number of hits and a keyed hash of the text, never the text;
a search typed just before a lock is logged before the key goes.
"""
# ruff: noqa: F811

from __future__ import annotations

import json

from pytestqt.qtbot import QtBot

from app.store.tables import audit_log as audit_table
from app.vault.vault import OpenVault
from tests.ui.cases_fixtures import (  # noqa: F401
    _no_scripted_dialogs,
    accounts_vault,
    cases_vault_template,
    director_vault,
)
from tests.ui.test_cases_screen import make_screen, register
from ui.cases import screen as screen_module


def _searches(vault: OpenVault) -> list[dict[str, object]]:
    with vault.read() as conn:
        return [json.loads(r) for r in conn.execute(
            audit_table.select().with_only_columns(audit_table.c.detail)
            .where(audit_table.c.action == "search").order_by(audit_table.c.id)).scalars()]


def test_a_settled_search_is_logged_once_with_its_hits_and_no_text(
        qtbot: QtBot, director_vault: OpenVault) -> None:
    number = register(director_vault, "Pimpeltje", "Boomkleverhof")
    register(director_vault, "Piet", "Bakker")
    screen = make_screen(qtbot, director_vault)
    qtbot.keyClicks(screen.search_edit, "boomklever")
    assert _searches(director_vault) == []            # not per keystroke
    qtbot.waitUntil(lambda: len(_searches(director_vault)) == 1,
                    timeout=screen_module.SEARCH_SETTLED_MS + 3000)
    [row] = _searches(director_vault)
    assert row["hits"] == 1 and len(str(row["query_hmac"])) == 64
    assert row["cases"] == [number]         # the list narrowed to one family is traceable
    with director_vault.read() as conn:
        everything = json.dumps([list(map(str, r)) for r in conn.execute(audit_table.select())])
    assert "boomklever" not in everything.lower()
    # the same search settling again is not a new search
    screen.log_settled_search()
    assert len(_searches(director_vault)) == 1


def test_a_search_typed_just_before_the_lock_is_logged_first(
        qtbot: QtBot, director_vault: OpenVault) -> None:
    register(director_vault, "Piet", "Bakker")
    screen = make_screen(qtbot, director_vault)
    qtbot.keyClicks(screen.search_edit, "bakker")
    screen.save_draft()                 # what the lock asks of every screen first
    screen.clear()
    assert [r["hits"] for r in _searches(director_vault)] == [1]
