"""The manager on the house server (issue 22, point 3: "the manager's role reads only the
figures' views"): its role may select no table, only the figures' views the migration owner
defines over plain, non-personal columns (app/store/pg_roles.py FIGURES_VIEW_SQL), and with
them it gets its work in the permission matrix there: the year's figures, the closure figures,
the years to choose from and the annual report, the same figures the process director gets.
The views hold no name, text or case number.

On e9db4e2 no figures' view existed: the manager's role was refused by the server on every
figures call."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.domain.roles import Role
from app.errors import PermissionDenied
from app.services import closure, figures
from app.store import pg_roles
from app.store.schema import metadata
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.unit.service_world import World, build_world

THIS_YEAR = date.today().year


@pytest.fixture
def world(suite_house: Any, tmp_path: Path) -> Iterator[World]:
    admin = suite_house.fresh().unlock(suite_house.admin, suite_house.admin_passphrase,
                                       exclusive=False)
    try:
        yield build_world(admin, tmp_path)
    finally:
        if admin.is_open:
            admin.lock(audit_it=False)


@pytest.fixture
def manager(world: World) -> OpenVault:
    opened = unlock_as(world.vault, Role.MANAGER)
    assert opened.actor.role is Role.MANAGER
    return opened


def test_the_manager_gets_the_figures_on_the_server(world: World, manager: OpenVault,
                                                    tmp_path: Path) -> None:
    director = unlock_as(world.vault, Role.PROCESS_DIRECTOR)
    seen = figures.compute(manager, THIS_YEAR)
    assert seen == figures.compute(director, THIS_YEAR)
    assert figures.figures_for_display(manager, THIS_YEAR) \
        == figures.figures_for_display(director, THIS_YEAR)
    assert THIS_YEAR in figures.available_years(manager)
    span = (date.today() - timedelta(days=400), date.today())
    assert closure.closure_figures(manager, *span) == closure.closure_figures(director, *span)
    out = tmp_path / "jaarverslag.pdf"
    figures.export_annual_report(manager, THIS_YEAR, out)
    assert out.read_bytes().startswith(b"%PDF")


def test_the_manager_still_reads_no_table(world: World, manager: OpenVault) -> None:
    from sqlalchemy import text

    for table in ("cases", "case_tombstones", "meetings", "agenda_items", "plan_actions"):
        with pytest.raises(PermissionDenied), manager.read() as conn:
            conn.execute(text(f"SELECT 1 FROM {table}"))


def test_the_views_hold_no_personal_column_and_no_case_number() -> None:
    personal = {c.name for t in metadata.sorted_tables for c in t.c
                if c.info.get("personal") is True}
    for view, sql in pg_roles.FIGURES_VIEW_SQL.items():
        selected = re.match(r"SELECT (.+?) FROM ", sql, re.S)
        assert selected, view
        columns = {c.strip().split(".")[-1] for c in selected.group(1).split(",")}
        assert not columns & (personal | {"number", "external_ref", "main_subject"}), view
