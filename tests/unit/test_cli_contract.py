"""The command line as a contract scripts can rely on (issue 19).

Covenant: the information centre registers and supports, never reads the substance (1.14,
14.1): on the command line too it gets the register and the meetings' logistics with
initials, never a name; only the process director reads a case (12.2, 16.2). Every read is
audited as on screen (NEN 7513). On the old code (commit 7ca920e) ``parties --vault D list``
failed, there were no read commands, the exports printed four different shapes without
``--json``, ``export handouts`` failed on a missing folder after printing the password,
argparse spoke English inside Dutch help and ``casuskamer --lang en gui`` was refused.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import build_parser, main
from app.cli.options import SHARED, commands
from app.i18n import set_language
from app.services import disclosures, meetings
from app.services.cases import list_cases
from app.vault.vault import Vault
from tests.unit.cli_demo_vault import CENTRE, DIRECTOR, PASSPHRASE, DemoVault, demo, run

__all__ = ["demo"]


# -- point 1: options before or after the sub-command ---------------------------------------

def _dummy(action: argparse.Action) -> list[str]:
    value = str(action.choices and list(action.choices)[0] or "1")
    return [value] if not action.option_strings else [action.option_strings[0], value]


def _required(parser: argparse.ArgumentParser) -> list[str]:
    words: list[str] = []
    for action in parser._actions:
        if action.dest in SHARED or isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings or action.required:
            words += _dummy(action) if action.nargs != 0 else [action.option_strings[0]]
    return words


def _parsed(words: list[str]) -> dict[str, object]:
    from app.cli.options import settle

    parser = build_parser()
    args = parser.parse_args(words)
    settle(args, parser)
    return {k: v for k, v in vars(args).items() if not k.startswith("_")}


def test_every_shared_option_stands_before_or_after_every_subcommand() -> None:
    """``casuskamer parties --vault D list`` and ``casuskamer parties list --vault D`` (and
    ``casuskamer --vault D parties list``) are the same command, for every command and every
    shared option it takes."""
    for words, parser in commands(build_parser()).items():
        takes = {a.dest for a in parser._actions if a.dest in SHARED}
        shared: list[str] = []
        for dest in takes:
            option, metavar = SHARED[dest]
            shared += [option] if dest == "json" else [option, "en" if dest == "lang"
                                                        else f"/x/{dest}"]
        rest = _required(parser)
        after = _parsed([*words, *rest, *shared])
        for cut in range(len(words)):
            before = _parsed([*words[:cut], *shared, *words[cut:], *rest])
            assert before == after, (words, cut)


def test_an_option_a_command_does_not_take_is_refused(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    assert main(["--json", "verify", "--vault", "/nonexistent"]) == 2
    assert "--json" in capsys.readouterr().err
    assert main(["parties", "list"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--vault" in err[0] and "verplicht" in err[0]


# -- point 2: the read commands ----------------------------------------------------------------

def _json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code, out, err = run(args, capsys)
    assert code == 0, err
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


READS = [["cases", "list"], ["meetings", "list"], ["disclosures"]]


@pytest.mark.parametrize("command", READS + [["cases", "show", "{number}"],
                                             ["meetings", "show", "{meeting}"]])
def test_read_commands_answer_the_same_in_both_orders(command: list[str], demo: DemoVault,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    command = [w.format(number=demo.scheduled, meeting=demo.meeting_id) for w in command]
    v = ["--vault", str(demo.folder), "--account", DIRECTOR, "--json"]
    after = _json([*command, *v], capsys)
    before = _json([command[0], *v, *command[1:]], capsys)
    assert after == before
    assert str(after["format"]).startswith("casuskamer-") and after["format"].endswith("/1")


def test_json_is_the_services_data(demo: DemoVault, capsys: pytest.CaptureFixture[str]) -> None:
    v = ["--vault", str(demo.folder), "--account", DIRECTOR, "--json"]
    cases = _json(["cases", "list", *v], capsys)
    listed = _json(["meetings", "list", *v], capsys)
    shown = _json(["meetings", "show", str(demo.meeting_id), *v], capsys)
    given = _json(["disclosures", *v], capsys)
    opened = Vault(demo.folder).unlock(DIRECTOR, PASSPHRASE)
    try:
        rows = list_cases(opened)
        meeting_rows = meetings.list_meetings(opened)
        meeting = meetings.get_meeting(opened, demo.meeting_id)
        from datetime import date
        sent = disclosures.period_disclosures(opened, date(2000, 1, 1), date.today())
    finally:
        opened.lock()
    assert cases["format"] == "casuskamer-cases/1" and cases["names"] is True
    assert [(c["number"], c["state"], c["subject"]) for c in cases["cases"]] == \
        [(r.number, r.state.value, r.main_subject) for r in rows]
    assert [m["id"] for m in listed["meetings"]] == [m.id for m in meeting_rows]
    assert [a["case"] for a in shown["meeting"]["agenda"]] == [i.case_number
                                                              for i in meeting.items]
    assert [d["file_sha256"] for d in given["disclosures"]] == [d.sha256 for d in sent]


def test_the_information_centre_gets_initials_never_names(demo: DemoVault,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    """Covenant 1.14/14.1: the register and the logistics, no names."""
    d = ["--vault", str(demo.folder), "--account", DIRECTOR, "--json"]
    case = _json(["cases", "show", demo.scheduled, *d], capsys)["case"]
    assert isinstance(case, dict)
    names = {s["surname"] for s in case["subjects"]} | {s["given_names"]
                                                         for s in case["subjects"]}
    c = ["--vault", str(demo.folder), "--account", CENTRE, "--json"]
    for args in (["cases", "list", *c], ["meetings", "list", *c],
                 ["meetings", "show", str(demo.meeting_id), *c], ["disclosures", *c]):
        code, out, err = run(args, capsys)
        assert code == 0, err
        for name in names:
            assert name not in out, (args[:2], name)
    listed = _json(["cases", "list", *c], capsys)
    assert listed["names"] is False
    # the case itself: refused, one line, nothing on stdout
    code, out, err = run(["cases", "show", demo.scheduled, *c], capsys)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1


def test_reads_are_audited(demo: DemoVault, capsys: pytest.CaptureFixture[str]) -> None:
    from app.services import audit_log

    v = ["--vault", str(demo.folder), "--account", DIRECTOR]
    for args in (["cases", "list"], ["cases", "show", demo.scheduled], ["meetings", "list"],
                 ["meetings", "show", str(demo.meeting_id)], ["disclosures"]):
        assert run([*args, *v], capsys)[0] == 0
    opened = Vault(demo.folder).unlock("beheerder", PASSPHRASE)
    try:
        text = "".join(audit_log.export(opened, audit_log.AuditFilter(), "csv"))
    finally:
        opened.lock()
    for action in ("case.list", "case.view", "plan.read", "meeting.list", "meeting.open",
                   "disclosure.report"):
        assert action in text


@pytest.mark.parametrize("args,words", [
    (["cases", "show", "ZVH-2026-001"], "ZVH-2026-0001"),
    (["meetings", "show", "9999"], "9999"),
    (["cases", "list", "--party", "Politie regionale eenheid Den Haga"],
     "Politie regionale eenheid Den Haag"),
    (["cases", "list", "--state", "schedueld"], "scheduled"),
    (["cases", "list", "--since", "31-31-2026"], "31-31-2026"),
    (["disclosures", "--since", "gisteren"], "gisteren"),
])
def test_bad_input_is_one_line_with_the_nearest_match(args: list[str], words: str,
                                                      demo: DemoVault,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    code, out, err = run([*args, "--vault", str(demo.folder), "--account", DIRECTOR], capsys)
    lines = err.strip().splitlines()
    assert code == 2 and out == "" and len(lines) == 1 and words in lines[0], err
    assert "Traceback" not in err


# -- point 3: one shape for every export --------------------------------------------------------

def test_exports_share_one_shape_make_the_folder_and_print_the_password_last(
        demo: DemoVault, capsys: pytest.CaptureFixture[str]) -> None:
    v = ["--vault", str(demo.folder), "--account", DIRECTOR]
    folder = demo.tmp / "exports" / "nieuw"
    code, out, err = run(["export", "handouts", *v, "--case", demo.scheduled, "--out-dir",
                          str(folder), "--generate-password", "--json"], capsys)
    assert code == 0, err
    files = json.loads(out)       # no password mixed into the JSON
    assert files and all(set(f) == {"file", "sha256", "case", "party", "kind", "encrypted"}
                         for f in files)
    assert all(f["encrypted"] and f["case"] == demo.scheduled for f in files)
    assert "Wachtwoord" not in out + err
    assert folder.stat().st_mode & 0o777 == 0o700
    code, out, err = run(["export", "agenda", *v, "--meeting", str(demo.meeting_id),
                          "--party", demo.party, "--out", str(demo.tmp / "a" / "agenda.pdf"),
                          "--generate-password"], capsys)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[-1].startswith("Wachtwoord") and "agenda.pdf" in out
    code, out, err = run(["export", "agenda", *v, "--meeting", str(demo.meeting_id),
                          "--party", demo.party, "--out", str(demo.tmp / "b" / "agenda.pdf"),
                          "--generate-password", "--json", "--show-password"], capsys)
    assert code == 0 and json.loads(out)[0]["kind"] == "agenda" and "Wachtwoord" in err


# -- point 4: help and errors in the user's language ------------------------------------------

def test_help_is_dutch_lists_every_command_and_every_option_has_help(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("gebruik:") and "opties:" in text and "usage" not in text
    for command in ("gui", "report", "cases", "meetings", "disclosures", "export"):
        assert f"    {command} " in text
    set_language("nl")
    for words, parser in commands(build_parser()).items():
        for action in parser._actions:
            assert action.help, (words, action.option_strings or action.dest)
    assert main(["export", "--help"]) == 0
    assert "handout|handouts|plan|agenda|subject" in capsys.readouterr().out


def test_lang_en_gui_is_accepted() -> None:
    seen: list[list[str]] = []
    assert main(["--lang", "en", "gui", "--vault", "/tmp/k"],
                gui=lambda words: seen.append(words) or 0) == 0
    assert seen == [["--vault", "/tmp/k", "--lang", "en"]]
    set_language("nl")


def test_a_closed_pipe_ends_quietly(demo: DemoVault) -> None:
    env = {**os.environ, "CASUSKAMER_PASSPHRASE": PASSPHRASE}
    code = ("import sys; from app.cli import main; "
            "sys.exit(main(['parties', 'list', '--vault', sys.argv[1], '--json']))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(demo.folder)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()            # the reader stops, as ``| head -1`` does
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait() == 0, err
    assert "Broken pipe" not in err and "Traceback" not in err
