"""Who may do what (issue 17, point 1): one permission matrix, role x action, in
``app/domain/roles.py``, checked at the service boundary by every entry point and by every
command of ``casuskamer``, and printed in the README from the code.

The covenant gives each role its work: the process director prepares and leads the case
meeting and holds what is said about the people (12.2, 16.2, 17.1); the information centre
registers referrals and supports the work processes (1.14, 14.1); the manager reports to the
steering group in figures (the annual report, never a name); the administrator keeps the
accounts, the party register (bijlage 1) and the vault itself: backup and restore are the
administrator's. Every refusal is one line and is audited (NEN 7513: who, role, when, what,
the result ``denied``).

The tests enumerate every public service function (by introspection, as the privacy tests
do) and every command (from the parser ``app.cli.build_parser`` builds) and call each under
every role on a small vault with one case through its whole life: the matrix's "yes" must not
be refused, its "no" must be refused with ``PermissionDenied`` and an audit row ``denied``
naming the action. A function or command without a row fails here by name. On the old code
(commit 7ca920e) there is no matrix, and among others the manager could list the party
register on the command line, every account could call the seeding, the party lookups and
the handouts' file names, and ``casuskamer backup`` and ``restore`` were open to any role.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.cli import build_parser, main
from app.domain.roles import (ACTIONS, COMMAND_ACTIONS, COMMANDS_WITHOUT_VAULT, GRANTS,
                              SERVICE_ACTIONS, Permission, Role, allowed, matrix,
                              matrix_markdown)
from app.errors import PermissionDenied
from app.services import accounts
from app.services.audit_log import AuditFilter
from app.store.tables import audit_log
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from app.services import session
from tests.conftest import ROLE_PASSPHRASE, unlock_as
from tests.unit.service_world import (CANARY_BSN, World, arguments, build_world,
                                      director_made, service_functions)

README = Path(__file__).resolve().parents[2] / "README.md"
BEGIN, END = "<!-- roles:begin -->", "<!-- roles:end -->"

#: One account per role (the administrator is the vault's first account).
ACCOUNTS = {Role.ADMIN: "beheerder", Role.PROCESS_DIRECTOR: "regisseur",
            Role.INFORMATION_CENTRE: "infocentrum", Role.MANAGER: "manager"}
#: The holders' own passphrases: the administrator's, and for the others the one
#: tests.conftest.unlock_as opens them with (build_world unlocks as the process director).
PASSPHRASE = {role: ROLE_PASSPHRASE for role in ACCOUNTS}
PASSPHRASE[Role.ADMIN] = "de wachtzin van beheerder is lang genoeg"
#: The passphrase the administrator gives a new account, before its holder chooses one.
FIRST_PASSPHRASE = "door de beheerder gekozen wachtzin"

#: Keyword values for service functions whose defaults would make the call slow (demo data).
SMALL = {"demo_activity.fill": {"cases": 1}, "synthetic.fill_demo": {"cases": 1}}


# -- the vault ---------------------------------------------------------------------------------

@dataclass
class Vaulted:
    """The one-case world on a vault with an account for every role."""

    world: World
    folder: Path


def make_vault(folder: Path, tmp: Path) -> Vaulted:
    opened = Vault.create(folder, ACCOUNTS[Role.ADMIN], PASSPHRASE[Role.ADMIN],
                          kdf=KdfParams())
    session.after_unlock(opened, created=True)  # its seed data
    try:
        for role, name in ACCOUNTS.items():
            if role is not Role.ADMIN:
                accounts.add_account(opened, name, role, FIRST_PASSPHRASE, kdf=KdfParams())
        opened.lock()
        # each holder chooses their own passphrase (first use), as the program asks
        for role, name in ACCOUNTS.items():
            if role is not Role.ADMIN:
                own = Vault(folder).unlock(name, FIRST_PASSPHRASE)
                try:
                    accounts.change_passphrase(own, FIRST_PASSPHRASE, PASSPHRASE[role],
                                               kdf=KdfParams())
                finally:
                    own.lock()
        opened = Vault(folder).unlock(ACCOUNTS[Role.ADMIN], PASSPHRASE[Role.ADMIN])
        world = build_world(opened, tmp)  # on the process director's session, its own
    finally:
        opened.lock(audit_it=False)
    return Vaulted(world, folder)


@pytest.fixture
def vaulted(tmp_path: Path) -> Iterator[Vaulted]:
    made = make_vault(tmp_path / "kluis", tmp_path)
    yield made
    made.world.vault.lock(audit_it=False)


def denied(vault: OpenVault) -> list[tuple[str, dict[str, Any]]]:
    """Every refusal of the matrix so far: (role, detail)."""
    with vault.read() as conn:
        return [(str(r[0]), json.loads(r[1] or "{}")) for r in conn.execute(
            select(audit_log.c.role, audit_log.c.detail)
            .where(audit_log.c.action == "denied", audit_log.c.result == "denied")
            .order_by(audit_log.c.id))]


def need_text(action: str) -> str:
    return " or ".join(sorted(p.value for p in ACTIONS[action]))


# -- every row names something real, and everything has a row ----------------------------------

def parser_commands() -> dict[str, Callable[..., Any] | None]:
    """``casuskamer VERB [SUBVERB]`` -> its function, from the real parser."""
    found: dict[str, Callable[..., Any] | None] = {}

    def walk(parser: argparse.ArgumentParser, words: list[str]) -> None:
        groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not groups and len(words) > 1:
            found[" ".join(words)] = parser.get_default("func")
        for group in groups:
            for name, sub in group.choices.items():
                walk(sub, [*words, name])

    walk(build_parser(), ["casuskamer"])
    return found


def test_every_entry_point_and_command_has_exactly_one_row() -> None:
    """The matrix is complete and names nothing that does not exist: every public service
    function that takes the vault has a row (and checks it at its start: it carries the
    action of the guard), every command that unlocks has a row, and every command that does
    not is listed as such."""
    functions = service_functions()
    missing = sorted(set(functions) - set(SERVICE_ACTIONS))
    assert not missing, f"service functions without a row in the matrix: {missing}"
    stale = sorted(set(SERVICE_ACTIONS) - set(functions))
    assert not stale, f"matrix rows naming no service function: {stale}"
    unguarded = sorted(name for name, fn in functions.items()
                       if getattr(fn, "__action__", None) != name)
    assert not unguarded, f"entry points that do not check their row (@entry_point): " \
                          f"{unguarded}"
    commands = parser_commands()
    without_row = sorted(set(commands) - set(COMMAND_ACTIONS) - set(COMMANDS_WITHOUT_VAULT))
    assert not without_row, f"commands without a row in the matrix: {without_row}"
    stale = sorted((set(COMMAND_ACTIONS) | set(COMMANDS_WITHOUT_VAULT))
                   - set(commands) - {"casuskamer --help"})
    assert not stale, f"matrix rows naming no command: {stale}"
    assert not set(COMMAND_ACTIONS) & set(SERVICE_ACTIONS)
    assert set(ACTIONS) == set(COMMAND_ACTIONS) | set(SERVICE_ACTIONS)


def test_the_matrix_gives_each_role_its_work() -> None:
    """The covenant's division of the work, read off the matrix (written from the rule, not
    computed from the grants): backup, restore, accounts and the audit log are the
    administrator's alone; case substance and the case work are the process director's; the
    information centre registers referrals and keeps the register and the logistics; the
    manager has the figures and nothing with a name."""
    m = matrix()
    only_admin = ["casuskamer backup", "casuskamer restore", "casuskamer users add",
                  "casuskamer users revoke", "casuskamer users rekey", "casuskamer audit",
                  "casuskamer config", "accounts.add_account", "accounts.revoke_account",
                  "accounts.change_data_key", "audit_log.read_page", "audit_log.export",
                  "parties.add_party", "retention.set_retention_period"]
    for action in only_admin:
        assert [r for r in Role if m[action][r]] == [Role.ADMIN], action
    only_director = ["cases.get_case", "minutes.case_minutes", "plan.get_plan",
                     "closure.close_case", "triage.decide_routing",
                     "casuskamer export handout", "casuskamer export subject",
                     "subject_access.find_subject"]
    for action in only_director:
        assert [r for r in Role if m[action][r]] == [Role.PROCESS_DIRECTOR], action
    for action in ("intake.register_referral", "casuskamer import", "cases.list_cases",
                   "meetings.get_meeting", "meeting_live.add_attendee"):
        assert m[action] == {Role.ADMIN: False, Role.PROCESS_DIRECTOR: True,
                             Role.INFORMATION_CENTRE: True, Role.MANAGER: False}, action
    manager = sorted(a for a in ACTIONS if m[a][Role.MANAGER] and ACTIONS[a])
    assert manager == ["casuskamer report", "closure.closure_figures",
                       "figures.available_years", "figures.compute",
                       "figures.export_annual_report", "figures.figures_for_display"]
    for action in ("casuskamer users passwd", "casuskamer verify", "retention.purge_due",
                   "accounts.change_passphrase", "followup.overdue_notice"):
        assert all(m[action].values()), action
    assert Permission.BACKUP in GRANTS[Role.ADMIN]
    assert all(Permission.BACKUP not in GRANTS[r] for r in Role if r is not Role.ADMIN)


# -- every service entry point under every role ------------------------------------------------

def call_as(vault: OpenVault, name: str, fn: Callable[..., Any],
            values: dict[str, Any]) -> bool:
    """Call ``fn`` on ``vault``, unlocked by an account of the role under test, with a value
    for each required parameter; True when the role was refused (``PermissionDenied``). Any
    other outcome (a result, a refusal of the input, a failure on a test value the function
    could not use) means the check let it pass."""
    import inspect

    kwargs = {p.name: values.get(p.name)
              for p in list(inspect.signature(fn).parameters.values())[1:]
              if p.default is inspect.Parameter.empty
              and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    kwargs.update(SMALL.get(name, {}))
    try:
        result = fn(vault, **kwargs)
        if isinstance(result, Iterator):
            list(result)
    except PermissionDenied:
        return True
    except Exception:  # noqa: BLE001 - bad test input: the role was let through
        return False
    return False


#: The order the roles are tried in: those refused most first, so that what the others
#: change (a new data key, a closed case) comes after.
ROLE_ORDER = (Role.MANAGER, Role.INFORMATION_CENTRE, Role.PROCESS_DIRECTOR, Role.ADMIN)


def test_every_service_entry_point_answers_as_the_matrix_says(vaulted: Vaulted) -> None:
    """Every public service function, called under every role: allowed exactly where the
    matrix says yes; each refusal is ``PermissionDenied`` with one audit row ``denied`` that
    names the action and the permission it needs (and the role, from the row itself)."""
    world = vaulted.world
    vault = world.vault
    values = {"vault": vault, **arguments(world, director_made(world)),
              # a few more, so that more of the allowed calls run through
              "flt": AuditFilter(), "current": "niet de wachtzin", "new": "kort",
              "payload": {}, "item_ids": [world.held_item_id], "duration": 30}
    functions = service_functions()
    wrong: list[str] = []
    for role in ROLE_ORDER:
        # each role is its own account's session; the administrator, last, takes over the
        # folder (a change of the data key needs it)
        as_role = vault if role is Role.PROCESS_DIRECTOR else unlock_as(
            vault, role, ACCOUNTS[role], passphrase=PASSPHRASE[role],
            hold_folder=role is Role.ADMIN)
        for name in sorted(functions):
            expected = allowed(role, name)
            before = len(denied(as_role))
            refused = call_as(as_role, name, functions[name], values)
            rows = denied(as_role)[before:]
            if refused == expected:
                wrong.append(f"{name} as {role.value}: "
                             f"{'refused' if refused else 'allowed'}, the matrix says "
                             f"{'yes' if expected else 'no'}")
            elif refused and [(r, d.get("action"), d.get("permission")) for r, d in rows] \
                    != [(role.value, name, need_text(name))]:
                wrong.append(f"{name} as {role.value}: refusal audited as {rows}")
            elif not refused and rows:
                wrong.append(f"{name} as {role.value}: allowed but audited a refusal {rows}")
    assert not wrong, "\n".join(wrong)


def test_a_connection_is_not_an_entry_point(vaulted: Vaulted) -> None:
    """Inside another service's transaction (a ``Connection`` instead of the vault) a
    function checks nothing: the calling entry point checked its own row. With the vault it
    checks: the manager may not list the parties."""
    from app.services import parties

    vault = unlock_as(vaulted.world.vault, Role.MANAGER, ACCOUNTS[Role.MANAGER],
                      passphrase=PASSPHRASE[Role.MANAGER])
    with vault.read() as conn:
        assert parties.list_parties(conn)
    with pytest.raises(PermissionDenied):
        parties.list_parties(vault)


# -- every command under every role -------------------------------------------------------------

def command_arguments(cli: Vaulted, tmp: Path, role: Role) -> dict[str, list[str]]:
    """The words after ``casuskamer VERB --vault D --account A`` for each command."""
    w = cli.world
    out = tmp / role.value
    out.mkdir(exist_ok=True)
    referrals = tmp / "leeg.json"
    referrals.write_text(json.dumps({"format": "casuskamer-referrals/1", "referrals": []}),
                         encoding="utf-8")
    return {
        "casuskamer verify": [],
        "casuskamer backup": ["--to", str(out / "kluis.ckbak")],
        "casuskamer restore": ["--from", str(tmp / "admin.ckbak")],
        "casuskamer demo": ["--cases", "0"],
        "casuskamer config": [],
        "casuskamer users add": [f"nieuw{role.value.replace('_', '')}", "--role", "manager"],
        "casuskamer users passwd": [],
        "casuskamer users revoke": ["niemand"],
        "casuskamer users list": [],
        "casuskamer users rekey": [],
        "casuskamer parties list": [],
        "casuskamer import": [str(referrals)],
        "casuskamer export handout": ["--case", w.number, "--party", w.party_name,
                                      "--out", str(out / "overdracht.pdf")],
        "casuskamer export plan": ["--case", w.number, "--out", str(out / "plan.pdf")],
        "casuskamer export handouts": ["--case", w.number, "--out-dir", str(out)],
        "casuskamer export agenda": ["--meeting", str(w.planned_meeting_id), "--party",
                                     w.party_name, "--out", str(out / "agenda.pdf")],
        "casuskamer export subject": ["--bsn", CANARY_BSN, "--draft", str(out / "av.json")],
        "casuskamer export receipt": ["--case", w.number, "--out", str(out / "ontvangst.pdf")],
        "casuskamer export triage-outcome": ["--case", w.number,
                                             "--out", str(out / "uitkomst.pdf")],
        "casuskamer purge": ["--due"],
        "casuskamer report": ["--year", str(date.today().year),
                              "--out", str(out / "jaarverslag.pdf")],
        "casuskamer audit": ["--out", str(out / "log.csv")],
        "casuskamer cases list": [],
        "casuskamer cases show": [w.number],
        "casuskamer meetings list": [],
        "casuskamer meetings show": [str(w.planned_meeting_id)],
        "casuskamer disclosures": [],
    }


def test_every_command_answers_as_the_matrix_says(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Every command that unlocks, run under every role: where the matrix says no, exit 2
    with one line and one audit row ``denied`` for the command's permission, before the
    command did anything; where it says yes, no refusal."""
    cli = make_vault(tmp_path / "kluis", tmp_path)
    cli.world.vault.lock()
    folder = str(cli.folder)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE[Role.ADMIN])
    assert main(["backup", "--vault", folder, "--to", str(tmp_path / "admin.ckbak")]) == 0
    # a new passphrase too short to take: ``users passwd`` is let through, then refused
    # for its input, and every account keeps its passphrase for the next commands
    monkeypatch.setenv("CASUSKAMER_NEW_PASSPHRASE", "kort")
    wrong: list[str] = []
    runs: list[tuple[Role, str, bool]] = []
    for role in ROLE_ORDER:
        monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE[role])
        for command, words in command_arguments(cli, tmp_path, role).items():
            capsys.readouterr()
            argv = [*command.split()[1:], "--vault", folder, "--account", ACCOUNTS[role],
                    *words]
            code = main(argv)
            err = capsys.readouterr().err
            refused = code == 2 and err.startswith("casuskamer: Uw rol (")
            runs.append((role, command, refused))
            if refused == (not allowed(role, command)):
                if refused and len(err.strip().splitlines()) != 1:
                    wrong.append(f"{command} as {role.value}: refusal not one line: {err!r}")
                continue
            wrong.append(f"{command} as {role.value}: exit {code}, {err.strip()!r}; the "
                         f"matrix says {'yes' if allowed(role, command) else 'no'}")
    assert not wrong, "\n".join(wrong)
    assert set(c for _r, c, _x in runs) == set(COMMAND_ACTIONS)
    # the refusals were audited, one row each, naming the role and the permission
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE[Role.ADMIN])
    opened = Vault(cli.folder).unlock(ACCOUNTS[Role.ADMIN], PASSPHRASE[Role.ADMIN])
    try:
        rows = denied(opened)
    finally:
        opened.lock()
    expected = sorted((role.value, need_text(command))
                      for role, command, refused in runs if refused)
    got = sorted((r, d.get("permission", "")) for r, d in rows)
    assert got == expected, (got, expected)


def test_a_refused_command_says_so_in_one_line_and_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Bad input (issue 17): a non-administrator who adds or revokes an account (the role
    changes there are) is refused with one line naming the command, exit 2, audited; the
    administrator cannot revoke the last administrator (itself), one line; nothing changes."""
    cli = make_vault(tmp_path / "kluis", tmp_path)
    cli.world.vault.lock()
    folder = str(cli.folder)
    monkeypatch.setenv("CASUSKAMER_NEW_PASSPHRASE", "een nieuwe lange wachtzin")
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE[Role.PROCESS_DIRECTOR])
    capsys.readouterr()
    assert main(["users", "add", "--vault", folder, "--account", "regisseur", "baas",
                 "--role", "admin"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "casuskamer users add" in err, err
    assert main(["users", "revoke", "--vault", folder, "--account", "regisseur",
                 "beheerder"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "casuskamer users revoke" in err, err
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE[Role.ADMIN])
    assert main(["users", "revoke", "--vault", folder, "beheerder"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    opened = Vault(cli.folder).unlock(ACCOUNTS[Role.ADMIN], PASSPHRASE[Role.ADMIN])
    try:
        listed = {(a.name, a.role, a.revoked_at is None)
                  for a in accounts.list_accounts(opened)}
        rows = denied(opened)
    finally:
        opened.lock()
    assert listed == {(name, role, True) for role, name in ACCOUNTS.items()}
    assert [(r, d["action"]) for r, d in rows] == [
        ("process_director", "casuskamer users add"),
        ("process_director", "casuskamer users revoke")]


def test_the_service_refuses_even_when_a_screen_would_not_ask(vaulted: Vaulted) -> None:
    """The check is at the service, not in a screen: a manager calling the account service
    directly is refused and audited, and the message is one line."""
    vault = unlock_as(vaulted.world.vault, Role.MANAGER, ACCOUNTS[Role.MANAGER],
                      passphrase=PASSPHRASE[Role.MANAGER])
    with pytest.raises(PermissionDenied) as refusal:
        accounts.add_account(vault, "stiekem", Role.PROCESS_DIRECTOR,
                             "een wachtzin die lang genoeg is", kdf=KdfParams())
    assert "\n" not in str(refusal.value)
    with pytest.raises(PermissionDenied):
        accounts.list_accounts(vault)
    assert [d["action"] for _r, d in denied(vault)][-2:] == ["accounts.add_account",
                                                             "accounts.list_accounts"]
    admin = unlock_as(vault, Role.ADMIN, ACCOUNTS[Role.ADMIN], passphrase=PASSPHRASE[Role.ADMIN])
    assert "stiekem" not in {a.name for a in accounts.list_accounts(admin)}


# -- the README ---------------------------------------------------------------------------------

def test_the_readme_prints_the_matrix_from_the_code() -> None:
    """README.md's table between the markers is the matrix as the code renders it; run
    ``python -m app.domain.roles`` to print it after a change."""
    text = README.read_text(encoding="utf-8")
    assert BEGIN in text and END in text
    shown = text.split(BEGIN, 1)[1].split(END, 1)[0]
    assert shown.strip() == matrix_markdown().strip()


def test_the_rendered_matrix_has_a_row_per_action() -> None:
    rendered = matrix_markdown()
    for action in ACTIONS:
        assert f"| `{action}` |" in rendered
    with pytest.raises(KeyError):
        allowed(Role.ADMIN, "no.such_action")
