"""What a painted cell of the case table shows is that cell's own answer, not the one before.

The view (QStyledItemDelegate) hands the same role items from cell to cell to ``multiData``;
a role the model does not answer for this cell must come back empty. Seen on screen before
this test: every cell after the status column carried the status colour square, and every
cell was right-aligned and red, because ``multi_at`` left those items as the previous cell
had filled them. The expected answer here is the one-role ``data`` path, asked per cell."""

from __future__ import annotations

from PySide6.QtCore import QModelRoleData, Qt

from app.services import cases as case_service
from tests.ui.cases_fixtures import (  # noqa: F401
    _no_scripted_dialogs,
    accounts_vault,
    add_synthetic_cases,
    cases_vault_template,
    director_vault,
)
from ui.cases.case_table import CaseFilterProxy, CaseTableModel, Column

ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.DecorationRole,
         Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.ForegroundRole,
         Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.FontRole,
         Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.CheckStateRole)


def _same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if hasattr(a, "cacheKey") and hasattr(b, "cacheKey"):      # icons: the same picture
        return a.cacheKey() == b.cacheKey()  # type: ignore[attr-defined]
    return a == b


def test_reused_role_items_carry_only_each_cells_own_answer(qtbot, director_vault) -> None:
    add_synthetic_cases(director_vault, 30)
    model = CaseTableModel()
    model.set_rows(case_service.list_cases(director_vault))
    proxy = CaseFilterProxy()
    proxy.setSourceModel(model)
    assert proxy.rowCount() >= 10
    items = {role: QModelRoleData(int(role)) for role in ROLES}      # reused, as the view does
    overdue_seen = status_seen = False
    for r in range(proxy.rowCount()):
        for column in Column:
            index = proxy.index(r, column)
            for role, item in items.items():
                proxy.multiData(index, item)
                expected = proxy.data(index, role)
                assert _same(item.data(), expected), (r, column.name, role.name,
                                                      item.data(), expected)
            status_seen |= column is Column.STATUS
            overdue_seen |= column is Column.OVERDUE_ACTIONS
    assert status_seen and overdue_seen
    # and the rule itself, from what the screen is meant to show: only the status column has
    # a colour square, only the counts are right-aligned
    icon, align = items[Qt.ItemDataRole.DecorationRole], items[Qt.ItemDataRole.TextAlignmentRole]
    proxy.multiData(proxy.index(0, Column.STATUS), icon)
    assert icon.data() is not None
    for column in (Column.NUMBER, Column.MAIN_SUBJECT, Column.RECEIVED):
        proxy.multiData(proxy.index(0, column), icon)
        proxy.multiData(proxy.index(0, column), align)
        assert icon.data() is None and align.data() is None, column.name
