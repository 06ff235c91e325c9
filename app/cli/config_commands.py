"""``config``: the vault's settings an administrator sets from the command line. For now the
forwarding of the audit log to the house's central log (``app.vault.forwarding``):

    casuskamer config --vault D --collector HOST:PORT --ca-file FILE
                      [--client-cert FILE --client-key FILE]
    casuskamer config --vault D --collector off
    casuskamer config --vault D                      the state, after sending what is queued

``init`` takes the same collector options (``add_collector_options``). Everything is stored
inside the vault; beside it only ``forwarding.json`` (address, CA certificate, last delivered
head: nothing personal, no secret), so that a failed unlock can reach the collector too.
``--vault PROFILE --account NAME``: the house server's setting, for every workstation; the
file then lies beside the profile, named after it (``app.vault.forwarding.side_file``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import add_vault_options, unlock
from app.domain.roles import Permission
from app.errors import ValidationError
from app.cli.output import error_line
from app.i18n import _, ngettext
from app.vault import forwarding
from app.vault.vault import OpenVault

OFF = "off"


def add_collector_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--collector", default=None, metavar="HOST:PORT",
                        help=_("send every audit row to this syslog collector over TLS "
                               "('off' stops it)"))
    parser.add_argument("--ca-file", type=Path, default=None, metavar="FILE",
                        help=_("the CA certificate (PEM) the collector's certificate must "
                               "verify against"))
    parser.add_argument("--client-cert", type=Path, default=None, metavar="FILE",
                        help=_("a client certificate (PEM) for collectors that ask for one"))
    parser.add_argument("--client-key", type=Path, default=None, metavar="FILE",
                        help=_("the client certificate's private key (PEM)"))


def apply_collector_options(opened: OpenVault, args: argparse.Namespace) -> bool:
    """Act on ``--collector`` (and its files); False when it was not given."""
    collector = getattr(args, "collector", None)
    if collector is None:
        for name in ("ca_file", "client_cert", "client_key"):
            if getattr(args, name, None) is not None:
                raise ValidationError(_("--{option} needs --collector.").format(
                    option=name.replace("_", "-")), field=name)
        return False
    if collector.strip().lower() == OFF:
        dropped = forwarding.disable(opened)
        print(_("Forwarding to the central log is off."))
        if dropped:
            print(ngettext("{count} queued row was not sent; it stays in the vault's own log.",
                           "{count} queued rows were not sent; they stay in the vault's own "
                           "log.", dropped).format(count=dropped))
        return True
    current = forwarding.config_of(opened)
    if args.ca_file is not None:
        ca_pem = forwarding.read_pem_file(args.ca_file, "ca-file")
    elif current is not None:
        ca_pem = current.ca_pem
    else:
        raise ValidationError(_("Give --ca-file: the CA certificate the collector's "
                                "certificate must verify against."), field="ca_file")
    cert = key = ""
    if args.client_cert is not None or args.client_key is not None:
        if args.client_cert is None or args.client_key is None:
            raise ValidationError(_("--client-cert and --client-key go together."),
                                  field="client_cert")
        cert = forwarding.read_pem_file(args.client_cert, "client-cert")
        key = forwarding.read_pem_file(args.client_key, "client-key")
    elif current is not None and args.ca_file is None:
        cert, key = current.client_cert_pem, current.client_key_pem
    problem = forwarding.configure(opened, collector, ca_pem, cert, key)
    config = forwarding.config_of(opened)
    print(_("Every audit row is now forwarded to {address}.").format(
        address=config.address if config else collector))
    if problem:
        print(error_line(problem), file=sys.stderr)
    return True


def _print_status(opened: OpenVault) -> None:
    report = forwarding.send_pending(opened)
    state = forwarding.status(opened)
    if state.collector is None:
        print(_("Forwarding to the central log is off."))
        return
    delivered = (_("last delivered: row {id} (sequence {seq})").format(
        id=state.delivered.audit_id, seq=state.delivered.seq) if state.delivered
        else _("nothing delivered yet"))
    print(ngettext("Forwarding to {address}: {queued} row queued; {delivered}.",
                   "Forwarding to {address}: {queued} rows queued; {delivered}.",
                   state.queued).format(address=state.collector, queued=state.queued,
                                        delivered=delivered))
    if report.problem:
        print(error_line(report.problem), file=sys.stderr)


def cmd_config(args: argparse.Namespace) -> int:
    opened = unlock(args)
    try:
        opened.require(Permission.MANAGE_SETTINGS, "forwarding", "-")
        if not apply_collector_options(opened, args):
            _print_status(opened)
    finally:
        opened.lock()
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("config", help=_("the vault's settings: forwarding of the audit log "
                                        "to the house's central log"))
    add_vault_options(p)
    add_collector_options(p)
    p.set_defaults(func=cmd_config)
