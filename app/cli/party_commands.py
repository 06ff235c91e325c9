"""``parties list``: the party register on the command line (name, type, domain, protocols,
active from and until), as a table for people or as JSON for scripts."""

from __future__ import annotations

import argparse
import json
from datetime import date

from app.cli.common import add_vault_options, unlock
from app.i18n import _
from app.services import parties as party_service


def cmd_list(args: argparse.Namespace) -> int:
    opened = unlock(args, exclusive=False)
    try:
        register = party_service.list_parties(opened)
        opened.log_now("party.list", "party", "-", detail={"count": len(register)})
    finally:
        opened.lock()
    today = date.today()
    rows = [{
        "id": p.id,
        "name": p.name,
        "short_name": p.short_name,
        "type": p.party_type.value,
        "domain": p.domain.value,
        "host_municipality": p.is_host_municipality,
        "protocols": [{"protocol": m.protocol.value, "start": m.start.isoformat(),
                       "end": m.end.isoformat() if m.end else None}
                      for m in p.memberships],
        "active_from": p.active_from.isoformat() if p.active_from else None,
        "active_until": p.active_until.isoformat() if p.active_until else None,
        "end_reason": p.end_reason.value if p.end_reason else None,
        "active": p.is_active(today),
    } for p in register]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for p in register:
        protocols = ",".join(m.protocol.value for m in p.memberships
                             if m.covers(today)) or "-"
        print("\t".join([
            p.name, p.party_type.label, p.domain.label, protocols,
            p.active_from.isoformat() if p.active_from else _("pending"),
            p.active_until.isoformat() if p.active_until else "-"]))
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = sub.add_parser("parties", help=_("the register of parties to the covenant"))
    verbs = group.add_subparsers(dest="verb", metavar="list", parser_class=type(group))
    verbs.required = True
    listing = verbs.add_parser("list", help=_("print the register"))
    add_vault_options(listing)
    listing.add_argument("--json", action="store_true",
                         help=_("print JSON for scripts"))
    listing.set_defaults(func=cmd_list)
