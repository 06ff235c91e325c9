"""The process director's case screen: items with source, category and a who-may-see mark
from the sharing policy, filters by source and category, one audit row per opening, and
nothing left on screen after a lock."""

from __future__ import annotations


from sqlalchemy import func, select

from app.domain.information import Category
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.unit.handout_cases import as_process_director, item, make_case, party_ids
from ui.cases.case_view import CaseViewScreen, ItemColumn


def views(vault: OpenVault) -> int:
    with vault.read() as conn:
        return int(conn.execute(select(func.count()).where(
            audit_log.c.action == "case.view")).scalar() or 0)


def test_case_screen_marks_filters_and_audits_once(admin_vault, qtbot, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    vault = as_process_director(admin_vault)
    ids = party_ids(vault)
    politie, ggz, vt = (ids["Politie regionale eenheid Den Haag"], ids["Parnassia Groep"],
                        ids["Veilig Thuis"])
    number = make_case(vault, items=[
        item(politie, "Mutatie politie", [vt], category=Category.POLICE,
             restriction="Alleen mondeling"),
        item(ggz, "Behandeling", category=Category.SPECIAL),
        item(vt, "Melding", [politie, ggz])])
    before = views(vault)
    screen = CaseViewScreen(vault, number)
    qtbot.addWidget(screen)
    screen.show()
    assert views(vault) == before + 1
    qtmodeltester.check(screen.model)
    qtmodeltester.check(screen.proxy)
    assert sorted(screen.visible_texts()) == ["Behandeling", "Melding", "Mutatie politie"]
    marks = {screen.model.row_at(r).item.text: screen.model.index(
        r, ItemColumn.WHO_MAY_SEE).data() for r in range(screen.model.rowCount())}
    # the case is on no agenda yet: no party receives anything now, not even the source
    # (covenant 12.2e), and the mark says so
    assert marks["Behandeling"] == ("Alleen de bron en de procesregisseur; "
                                    "nu niet: Parnassia Groep")
    assert "Veilig Thuis" in marks["Mutatie politie"]
    restriction = {screen.model.row_at(r).item.text: screen.model.index(
        r, ItemColumn.RESTRICTION).data() for r in range(screen.model.rowCount())}
    assert restriction["Mutatie politie"] == "Alleen mondeling"
    screen.filter_items(source_party=ggz)
    assert screen.visible_texts() == ["Behandeling"]
    screen.filter_items(category=Category.POLICE)
    assert screen.visible_texts() == ["Mutatie politie"]
    screen.filter_items()
    assert len(screen.visible_texts()) == 3
    # repaints, sorting and filtering do not audit again
    screen.items.sortByColumn(ItemColumn.SOURCE,
                              screen.items.horizontalHeader().sortIndicatorOrder())
    screen.repaint()
    assert views(vault) == before + 1
    assert "Yılmaz" in screen.subjects.item(0, 0).text()
    screen.clear()
    assert screen.model.rowCount() == 0 and screen.subjects.rowCount() == 0
    assert screen.header.text() == ""
