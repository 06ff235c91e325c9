"""The read commands: ``cases list|show``, ``meetings list|show`` and ``disclosures``.

Each prints a table for people (tab-separated, one row per line) or, with ``--json``, one
JSON object for scripts whose ``format`` names its shape and version:

- ``casuskamer-cases/1``: ``{"format", "names", "cases": [{"number", "state", "protocol",
  "referring_party", "received", "next_meeting", "subject"}]}``; ``subject`` is the main
  subject's name for a role that may see names (``"names": true``), else its initials;
- ``casuskamer-case/1``: ``{"format", "case": {...}, "triage": {...}, "items": [...],
  "meetings": [...], "plan": {...}, "history": [...]}`` (the process director only);
- ``casuskamer-meetings/1``: ``{"format", "meetings": [{"id", "starts_at", "place",
  "chair", "state", "items"}]}``, ``state`` one of planned, started, ended;
- ``casuskamer-meeting/1``: ``{"format", "meeting": {"id", ..., "agenda": [{"case",
  "initials", "position", "duration_minutes", "goal", "invitees": [...]}]}}``;
- ``casuskamer-disclosures/1``: ``{"format", "disclosures": [{"at", "case", "kind",
  "party", "file_sha256", "encrypted", "actor"}]}``.

Every read goes through the service the screen uses, so it is audited the same way and
shaped for the role the same way (the information centre gets the register and the
meetings' logistics: initials, never names; only the process director gets ``cases
show``). Bad input (an unknown case number, meeting id or party name, with the nearest
match suggested; a state that does not exist; a date in the wrong form) is one line, exit 2.
"""

from __future__ import annotations

import argparse
import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from app.cli.common import add_vault_options, unlock
from app.domain.lifecycle import CaseState
from app.domain.meetings import MeetingState
from app.domain.protocols import Protocol
from app.domain.roles import Permission, may
from app.errors import NotFound, ValidationError
from app.i18n import _
from app.services.audit_log import parse_day
from app.vault.vault import OpenVault

#: The meeting states as the command line names them.
MEETING_STATES = {MeetingState.PLANNED: "planned", MeetingState.IN_PROGRESS: "started",
                  MeetingState.FINISHED: "ended"}


# -- helpers -----------------------------------------------------------------------------------

def plain(value: Any) -> Any:
    """A value as JSON holds it: dataclasses as objects, enums by value, dates as ISO text,
    sets sorted."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    if isinstance(value, (frozenset, set)):
        return sorted((plain(v) for v in value), key=str)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def print_json(payload: Mapping[str, Any]) -> None:
    print(json.dumps(payload, ensure_ascii=False, indent=2))


def print_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    print("\t".join(header))
    for row in rows:
        print("\t".join("-" if v is None or v == "" else str(v) for v in row))


def nearest(wanted: str, known: Iterable[str]) -> str:
    """`` Did you mean X?`` for the closest known value, or nothing."""
    close = difflib.get_close_matches(wanted, list(known), n=1, cutoff=0.6)
    return " " + _("Did you mean {value}?").format(value=close[0]) if close else ""


def day(text: str | None, name: str) -> date | None:
    return parse_day(text, name) if text else None


def party_by_name(vault: OpenVault, name: str) -> int:
    """A party's id from its name or short name (case ignored); an unknown name is one line
    with the nearest name."""
    from app.services import parties

    wanted = " ".join(name.split()).casefold()
    register = parties.list_parties(vault)
    for party in register:
        if wanted in (party.name.casefold(), party.short_name.casefold()):
            return party.id
    raise NotFound(_("There is no party named {name}.").format(name=name)
                   + nearest(name, [p.name for p in register] + [p.short_name for p in register]))


def unknown_case(vault: OpenVault, number: str) -> NotFound:
    from app.services.cases import list_cases

    numbers = [row.number for row in list_cases(vault, include_destroyed=True)]
    return NotFound(_("There is no case {number}.").format(number=number)
                    + nearest(number.strip().upper(), numbers))


def parse_states(text: str | None) -> list[CaseState] | None:
    if not text:
        return None
    found = []
    for word in text.split(","):
        word = word.strip()
        try:
            found.append(CaseState(word))
        except ValueError:
            raise ValidationError(
                _("There is no case state {state} (states: {states}).")
                .format(state=word, states=", ".join(s.value for s in CaseState))
                + nearest(word, [s.value for s in CaseState]), field="state") from None
    return found


# -- cases list -------------------------------------------------------------------------------

def cmd_cases_list(args: argparse.Namespace) -> int:
    from app.services.cases import CaseRow, list_cases

    states = parse_states(args.state)
    since = day(args.since, "since")
    protocol = Protocol(args.protocol) if args.protocol else None
    opened = unlock(args, exclusive=False)
    try:
        party_id = party_by_name(opened, args.party) if args.party else None
        rows: Sequence[CaseRow] = list_cases(
            opened, states=states, protocol=protocol, party_id=party_id,
            include_destroyed=bool(states and CaseState.DESTROYED in states))
        names = may(opened.actor.role, Permission.CASE_SUBSTANCE)
    finally:
        opened.lock()
    if since is not None:
        rows = [r for r in rows if r.received >= since]
    shown = [{"number": r.number, "state": r.state.value, "protocol": r.protocol.value,
              "referring_party": r.referring_party, "received": r.received.isoformat(),
              "next_meeting": r.next_meeting.isoformat() if r.next_meeting else None,
              "subject": r.main_subject} for r in rows]
    if args.json:
        print_json({"format": "casuskamer-cases/1", "names": names, "cases": shown})
        return 0
    print_table([_("Case"), _("State"), _("Protocol"), _("Referred by"), _("Received"),
                 _("Next meeting"), _("Main subject") if names else _("Initials")],
                [[r.number, r.state.label, r.protocol.label, r.referring_party,
                  r.received.isoformat(), r.next_meeting.isoformat() if r.next_meeting else None,
                  r.main_subject] for r in rows])
    return 0


# -- cases show -------------------------------------------------------------------------------

def cmd_cases_show(args: argparse.Namespace) -> int:
    from app.services import plan
    from app.services.case_meetings import case_meetings
    from app.services.case_view import open_case

    opened = unlock(args, exclusive=False)
    try:
        try:
            view = open_case(opened, args.number)
        except NotFound:
            raise unknown_case(opened, args.number) from None
        number = view.case.number
        current = plan.get_plan(opened, number)
        # the case's own meetings, audited as shown (not a meeting.open row for every
        # meeting that has any case on it)
        on_agenda = case_meetings(opened, number)
    finally:
        opened.lock()
    names = view.party_names
    case = view.case
    history = [(label, at) for label, at in (
        ("received", case.received), ("created", case.created_at),
        ("intake_decided", case.intake_decided_at), ("triage_done", case.triage_done_at),
        ("first_meeting", case.first_meeting_at), ("closed", case.closed_at),
        ("destroyed", case.destroyed_at)) if at is not None]
    payload: dict[str, Any] = {
        "format": "casuskamer-case/1",
        "case": plain(case),
        "triage": {"queries": plain(view.queries), "widening": plain(view.widening),
                   "routing": plain(view.routing)},
        "items": [{"id": row.item.id, "source": row.source_name,
                   "category": row.item.category.value, "received": row.item.received,
                   "text": row.item.text, "terms": plain(row.item.terms),
                   "shared_with": sorted(names.get(p, f"#{p}")
                                         for p in row.item.terms.shared_with),
                   "concerns": (None if row.item.concerns is None
                                else sorted(row.item.concerns)),
                   "who_may_see": row.mark_text} for row in view.items],
        "meetings": [{"id": m.id, "starts_at": m.starts_at, "state": MEETING_STATES[m.state],
                      "goal": item.goal,
                      "invitees": [names.get(i.party_id, f"#{i.party_id}")
                                   for i in item.invitations]}
                     for m, item in on_agenda],
        "plan": plain(current),
        "history": [{"event": label, "at": at} for label, at in history],
    }
    payload = plain(payload)
    if args.json:
        print_json(payload)
        return 0
    print(f"{case.number}\t{case.state.label}\t{case.protocol.label}")
    print(_("Referred by: {party}").format(party=case.referring_party_name or "-"))
    print(_("Subjects:"))
    for subject in case.subjects:
        print(f"  {subject.surname}, {subject.given_names}\t{subject.birth_date.isoformat()}"
              f"\t{subject.role.value}")
    print(_("Life domains:"))
    for domain, text in case.life_domains.items():
        print(f"  {domain.value}\t{text}")
    print(_("Criteria:"))
    for answer in case.criteria:
        met = "-" if answer.met is None else (_("yes") if answer.met else _("no"))
        print(f"  {answer.criterion.value}\t{met}\t{answer.motivation}")
    if view.routing is not None:
        print(_("Triage: {route}").format(route=view.routing.route.value))
    print(_("Items:"))
    for item in payload["items"]:
        concerns = _("whole household") if item["concerns"] is None else ",".join(
            str(s) for s in item["concerns"])
        print(f"  {item['id']}\t{item['source']}\t{item['category']}\t"
              f"{item['who_may_see']}\t{concerns}")
    print(_("Meetings:"))
    for meeting in payload["meetings"]:
        print(f"  {meeting['id']}\t{meeting['starts_at']}\t{meeting['state']}\t"
              + ", ".join(meeting["invitees"]))
    print(_("Plan: version {version}, {goals} goals, {actions} actions")
          .format(version=current.version, goals=len(current.goals),
                  actions=len(current.actions)))
    print(_("History:"))
    for label, at in history:
        print(f"  {at.isoformat()}\t{label}")
    return 0


# -- meetings ---------------------------------------------------------------------------------

def cmd_meetings_list(args: argparse.Namespace) -> int:
    from app.services.meetings import list_meetings

    start, end = day(args.from_, "from"), day(args.to, "to")
    opened = unlock(args, exclusive=False)
    try:
        rows = list_meetings(opened)
    finally:
        opened.lock()
    rows = [r for r in rows if (start is None or r.starts_at.date() >= start)
            and (end is None or r.starts_at.date() <= end)]
    if args.json:
        print_json({"format": "casuskamer-meetings/1", "meetings": [
            {"id": r.id, "starts_at": r.starts_at.isoformat(), "place": r.place,
             "chair": r.chair, "state": MEETING_STATES[r.state], "items": r.items}
            for r in rows]})
        return 0
    print_table([_("Meeting"), _("Starts"), _("Place"), _("Chair"), _("State"), _("Cases")],
                [[r.id, r.starts_at.strftime("%Y-%m-%d %H:%M"), r.place, r.chair,
                  MEETING_STATES[r.state], r.items] for r in rows])
    return 0


def cmd_meetings_show(args: argparse.Namespace) -> int:
    from app.services import meetings
    from app.services.parties import list_parties

    opened = unlock(args, exclusive=False)
    try:
        try:
            meeting = meetings.get_meeting(opened, args.id)
        except NotFound:
            ids = [str(r.id) for r in meetings.list_meetings(opened)]
            raise NotFound(_("There is no meeting with number {id}.").format(id=args.id)
                           + nearest(str(args.id), ids)) from None
        names = {p.id: p.name for p in list_parties(opened)}
    finally:
        opened.lock()
    agenda: list[dict[str, Any]] = [
        {"case": i.case_number, "initials": i.subject_initials, "position": i.position,
               "duration_minutes": i.duration_minutes, "goal": i.goal,
               "invitees": [names.get(v.party_id, f"#{v.party_id}") for v in i.invitations]}
              for i in meeting.items]
    if args.json:
        print_json({"format": "casuskamer-meeting/1", "meeting": {
            "id": meeting.id, "starts_at": meeting.starts_at.isoformat(),
            "place": meeting.place, "chair": meeting.chair,
            "state": MEETING_STATES[meeting.state], "agenda": agenda}})
        return 0
    print(f"{meeting.id}\t{meeting.starts_at.strftime('%Y-%m-%d %H:%M')}\t{meeting.place}\t"
          f"{meeting.chair}\t{MEETING_STATES[meeting.state]}")
    print_table([_("Case"), _("Initials"), _("Duration (min)"), _("Goal"), _("Invited")],
                [[a["case"], a["initials"], a["duration_minutes"], a["goal"],
                  ", ".join(a["invitees"])] for a in agenda])
    return 0


# -- disclosures ------------------------------------------------------------------------------

def cmd_disclosures(args: argparse.Namespace) -> int:
    from app.services import disclosures

    since = day(args.since, "since")
    opened = unlock(args, exclusive=False)
    try:
        party_id = party_by_name(opened, args.party) if args.party else None
        if args.case:
            try:
                rows = disclosures.case_disclosures(opened, args.case)
            except NotFound:
                raise unknown_case(opened, args.case) from None
            if party_id is not None:
                rows = [r for r in rows if r.recipient_party_id == party_id]
        else:
            rows = disclosures.period_disclosures(opened, since or date(2000, 1, 1),
                                                  date.today(), recipient_party_id=party_id)
    finally:
        opened.lock()
    if since is not None:
        rows = [r for r in rows if r.at.date() >= since]
    shown = [{"at": r.at.isoformat(), "case": r.case_number, "kind": r.kind,
              "party": r.recipient or None, "file_sha256": r.sha256,
              "encrypted": r.encrypted, "actor": r.actor} for r in rows]
    if args.json:
        print_json({"format": "casuskamer-disclosures/1", "disclosures": shown})
        return 0
    print_table([_("When (UTC)"), _("Case"), _("Kind"), _("To"), "SHA-256"],
                [[r.at.strftime("%Y-%m-%d %H:%M"), r.case_number, r.kind, r.recipient,
                  r.sha256] for r in rows])
    return 0


# -- the parser -------------------------------------------------------------------------------

def _json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true",
                        help=_("print JSON for scripts (a versioned format)"))


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = sub.add_parser("cases", help=_("the case register: list the cases, show one"))
    verbs = group.add_subparsers(dest="verb", metavar="list|show", parser_class=type(group))
    verbs.required = True

    p = verbs.add_parser("list", help=_("list the cases (initials only for roles that may "
                                        "not see names)"))
    add_vault_options(p)
    p.add_argument("--state", default=None, metavar="S",
                   help=_("only cases in this state (several: separated by commas): {states}")
                   .format(states=", ".join(s.value for s in CaseState)))
    p.add_argument("--protocol", choices=[v.value for v in Protocol], default=None,
                   help=_("only the cases of one protocol"))
    p.add_argument("--party", default=None, metavar="NAME",
                   help=_("only the cases this party referred"))
    p.add_argument("--since", default=None, metavar="DATE",
                   help=_("only cases received on or after DATE (YYYY-MM-DD)"))
    _json_option(p)
    p.set_defaults(func=cmd_cases_list)

    p = verbs.add_parser("show", help=_("everything about one case (the process director)"))
    add_vault_options(p)
    p.add_argument("number", metavar="NUMBER", help=_("the case number, e.g. ZVH-2026-0042"))
    _json_option(p)
    p.set_defaults(func=cmd_cases_show)

    group = sub.add_parser("meetings", help=_("the case meetings: list them, show one"))
    verbs = group.add_subparsers(dest="verb", metavar="list|show", parser_class=type(group))
    verbs.required = True
    p = verbs.add_parser("list", help=_("list the meetings"))
    add_vault_options(p)
    p.add_argument("--from", dest="from_", default=None, metavar="DATE",
                   help=_("only meetings on or after DATE (YYYY-MM-DD)"))
    p.add_argument("--to", default=None, metavar="DATE",
                   help=_("only meetings on or before DATE (YYYY-MM-DD)"))
    _json_option(p)
    p.set_defaults(func=cmd_meetings_list)

    p = verbs.add_parser("show", help=_("one meeting: time, place, chair, agenda, invitees"))
    add_vault_options(p)
    p.add_argument("id", type=int, metavar="ID", help=_("the meeting's number"))
    _json_option(p)
    p.set_defaults(func=cmd_meetings_show)

    p = sub.add_parser("disclosures", help=_("what went to whom, when, in which file"))
    add_vault_options(p)
    p.add_argument("--case", default=None, metavar="NUMBER", help=_("only this case"))
    p.add_argument("--party", default=None, metavar="NAME", help=_("only files to this party"))
    p.add_argument("--since", default=None, metavar="DATE",
                   help=_("only files from DATE on (YYYY-MM-DD)"))
    _json_option(p)
    p.set_defaults(func=cmd_disclosures)
