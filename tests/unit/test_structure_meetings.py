"""Issue 20, point 5: the case meeting's services split by what they do, one name per thing.

The agenda and the invitations (``app.services.meetings``), the meeting live: attendance and
the meeting and its items started (``app.services.meeting_live``), the minutes and the
hand-over to the plan (``app.services.minutes``); a party's own agenda is
``app.services.agenda``. Each depends only on the one before it, and no module re-exports
another's functions (a facade would hide the structure)."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from tests.test_architecture import ROOT, imports_of

OWNERS = {
    "app.services.meetings": ["plan_meeting", "update_meeting", "add_item", "update_item",
                              "set_invitations", "reorder", "move_item", "remove_item",
                              "list_meetings", "get_meeting", "candidate_cases",
                              "invitee_choices", "save_agenda_draft", "load_agenda_draft"],
    "app.services.meeting_live": ["start_meeting", "add_attendee", "accept_confidentiality",
                                  "attendee_left", "remove_attendee", "set_absent_for_item",
                                  "start_item", "list_attendees"],
    "app.services.minutes": ["add_entry", "edit_entry", "remove_entry", "entries",
                             "finish_item", "hand_over_to_plan", "end_meeting",
                             "case_minutes", "save_live_draft", "load_live_draft"],
    "app.services.agenda": ["party_agenda", "party_agenda_view", "export_agenda"],
}


def test_each_function_lives_in_the_module_of_its_kind_and_only_there() -> None:
    modules = {name: importlib.import_module(name) for name in OWNERS}
    for owner, functions in OWNERS.items():
        for function in functions:
            fn = getattr(modules[owner], function, None)
            assert fn is not None and inspect.unwrap(fn).__module__ == owner, (owner, function)
            for other, module in modules.items():
                if other != owner:
                    assert not hasattr(module, function), (
                        f"{other} also offers {function} (one name per thing)")


def _imported(module: str) -> set[str]:
    path = ROOT / (module.replace(".", "/") + ".py")
    return {name for name, _line in imports_of(Path(path), ROOT)}


def test_the_modules_depend_one_way() -> None:
    """meetings <- meeting_live <- minutes: the agenda knows nothing of the live meeting,
    the live meeting nothing of the minutes."""
    agenda = _imported("app.services.meetings")
    live = _imported("app.services.meeting_live")
    assert not any(n.startswith(("app.services.meeting_live", "app.services.minutes",
                                 "app.services.agenda")) for n in agenda), agenda
    assert not any(n.startswith("app.services.minutes") for n in live), live


def test_no_module_of_the_meetings_is_as_long_as_the_old_one() -> None:
    """The old app/services/meetings.py held all of it in 1,191 lines."""
    for name in ("meetings", "meeting_live", "minutes"):
        lines = (ROOT / "app" / "services" / f"{name}.py").read_text(
            encoding="utf-8").count("\n")
        assert lines < 750, (name, lines)
