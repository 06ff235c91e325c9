"""Imports every area's table module so that ``tables.metadata`` knows the whole schema.

Add a line here when an area adds a table module.
"""

from __future__ import annotations

from importlib import import_module

from app.store.tables import metadata

AREA_MODULES = (
    "app.store.tables",
    "app.store.party_tables",
    "app.store.case_tables",
    "app.store.triage_tables",
    "app.store.plan_tables",
    "app.store.meeting_tables",
    "app.store.retention_tables",
    "app.store.forward_tables",
    "app.store.referral_tables",
)

for _name in AREA_MODULES:
    try:
        import_module(_name)
    except ModuleNotFoundError as exc:  # an area not built yet
        if exc.name != _name:
            raise

__all__ = ["metadata"]
