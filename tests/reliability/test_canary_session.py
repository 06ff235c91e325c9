"""No plaintext outside the vault (issue 10, point 3), proven with 50 canary strings.

A child process works through a whole case with the real services and the desktop shell
(``canary_session.py``: import, intake with a saved draft, triage, meeting, plan, handouts,
subject-access export, the Cases and case screens offscreen, Ctrl+L, closure, lock), a
second child autosaves a draft until it is killed with SIGKILL, a third unlocks after the
kill (WAL recovery) and locks again. Every child runs with its home, temp and XDG folders in
one sandbox folder, which also holds the vault and the export folder.

Then every file in the sandbox (taken right after the kill, with the ``-wal`` and ``-shm``
files, and again at the end) and every new entry of this process's real temp folder is
searched, byte for byte, for every canary in UTF-8, UTF-16-LE and UTF-16-BE, composed and
decomposed: no hit is allowed except in the PDFs exported on purpose. Those are opened
(decrypted with the handout password), their text normalised (NFKC, no white space or soft
hyphens; Arabic also reversed), and each canary found must be one the sharing policy lets
that recipient have, computed from the canary's place (``CANARIES``) and
``app.sharing.policy``, never from the PDF; every canary the recipient may have must be
found too, so the check can fail both ways. The window titles the shell showed carry the
case number only.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from pypdf import PdfReader

from app.domain.information import InformationItem, SharingTerms
from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.domain.standing import PartyStanding, ProtocolMembership
from app.sharing.policy import CaseContext, DataSubject, PartyViewer, Setting, decide
from tests.reliability.canary_session import (
    ARABIC,
    CANARIES,
    HANDOUT_PASSWORD,
    INVITED,
    Kind,
    Use,
    referral_document,
)
from tests.reliability.conftest import Counts

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_DIRS = {"HOME": "home", "TMPDIR": "tmp", "TMP": "tmp", "TEMP": "tmp",
                "XDG_CONFIG_HOME": "config", "XDG_DATA_HOME": "data",
                "XDG_CACHE_HOME": "cache", "XDG_STATE_HOME": "state",
                "XDG_RUNTIME_DIR": "runtime"}
#: the seeded register: every party active in this protocol since the covenant's start
REGISTER_START = date(2019, 1, 1)
#: a file larger than this in the real temp folder is another program's, not ours
MAX_TEMP_FILE = 64 * 1024 * 1024


# -- the children ---------------------------------------------------------------------------

def _environment(sandbox: Path) -> dict[str, str]:
    env = dict(os.environ)
    for var, sub in SANDBOX_DIRS.items():
        folder = sandbox / sub
        folder.mkdir(parents=True, exist_ok=True)
        env[var] = str(folder)
    os.chmod(sandbox / "runtime", 0o700)  # Qt refuses a runtime folder others may read
    env["CASUSKAMER_KDF_SECONDS"] = "0"
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("CASUSKAMER_PASSPHRASE", None)
    return env


def _child(*args: str) -> list[str]:
    return [sys.executable, "-m", "tests.reliability.canary_session", *args]


def _run(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(_child(*args), cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr[-4000:]


def _crash(env: dict[str, str], folder: Path, rng: random.Random) -> int:
    """Autosave in a child until SIGKILL lands; returns the last acknowledged save."""
    child = subprocess.Popen(_child("crash", str(folder), "-"), cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    wanted = rng.randint(5, 20)
    acked = 0
    try:
        deadline = time.monotonic() + 60
        while acked < wanted:
            line = child.stdout.readline()
            assert line, ("the autosaving child ended: "
                          f"{child.stderr.read() if child.stderr else ''}")
            if line.startswith("saved "):
                acked = int(line.split()[1])
            assert time.monotonic() < deadline, "the autosaving child is too slow"
        time.sleep(rng.uniform(0.0, 0.05))  # somewhere inside a later save
        child.send_signal(signal.SIGKILL)
        rest, _err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    acked = max([acked] + [int(x.split()[1]) for x in rest.splitlines()
                           if x.startswith("saved ")])
    return acked


# -- the raw search -------------------------------------------------------------------------

def forms(canary: str) -> set[str]:
    return {canary, unicodedata.normalize("NFC", canary), unicodedata.normalize("NFD", canary)}


def _needles() -> tuple[re.Pattern[bytes], dict[bytes, str]]:
    owner: dict[bytes, str] = {}
    for canary in CANARIES:
        for form in forms(canary):
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                owner[form.encode(encoding)] = canary
    pattern = re.compile(b"|".join(re.escape(n) for n in sorted(owner, key=len, reverse=True)))
    return pattern, owner


PATTERN, OWNER = _needles()


def canaries_in(data: bytes) -> set[str]:
    return {OWNER[m.group(0)] for m in PATTERN.finditer(data)}


def files_under(root: Path) -> Iterator[Path]:
    if root.is_file() and not root.is_symlink():
        yield root
        return
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path


def search(paths: Iterable[Path], hits: dict[Path, set[str]], cap: int | None = None) -> int:
    searched = 0
    for path in paths:
        try:
            if cap is not None and path.stat().st_size > cap:
                continue
            data = path.read_bytes()
        except OSError:
            continue  # another program's file that went away, or one we may not read
        searched += 1
        found = canaries_in(data)
        if found:
            hits.setdefault(path, set()).update(found)
    return searched


# -- the PDFs -------------------------------------------------------------------------------

def squeeze(text: str) -> str:
    """NFKC (folds Arabic presentation forms back), no white space, no soft hyphens."""
    return "".join(unicodedata.normalize("NFKC", text).replace("\u00ad", "").split())


def pdf_text(path: Path) -> str:
    reader = PdfReader(path)
    if reader.is_encrypted:
        assert reader.decrypt(HANDOUT_PASSWORD), f"{path.name} does not open"
    parts = [page.extract_text() or "" for page in reader.pages]
    parts += [str(v) for v in (reader.metadata or {}).values()]
    return squeeze("\n".join(parts))


def canaries_in_pdf(path: Path) -> set[str]:
    text = pdf_text(path)
    found = set()
    for canary in CANARIES:
        wanted = squeeze(canary)
        # shaped right-to-left text may come out in visual order
        if wanted in text or (canary == ARABIC and wanted[::-1] in text):
            found.add(canary)
    return found


class Expectation:
    """What each recipient may have, from each canary's place and the sharing policy."""

    def __init__(self, ids: dict[str, int], today: date) -> None:
        self.ids = ids
        self.invited = frozenset(ids[p] for p in INVITED)
        # the handouts are made after the meeting (12.2f: from its start, what shared_with
        # allows); the case is then in progress
        self.context = CaseContext(case_id=1, protocol=Protocol.INTEGRALE_VEILIGHEID,
                                   on=today, state=CaseState.IN_PROGRESS,
                                   invited=self.invited, subject_ids=frozenset({1}),
                                   meeting_started=True)
        membership = (ProtocolMembership(Protocol.INTEGRALE_VEILIGHEID, REGISTER_START),)
        self.standings = {pid: PartyStanding(pid, REGISTER_START, None, membership)
                          for pid in ids.values()}

    def _item(self, use: Use) -> InformationItem:
        return InformationItem(
            id=1, case_id=1, source_party_id=self.ids[use.party], category=use.category,
            text="", received=self.context.on,
            terms=SharingTerms(frozenset(self.ids[p] for p in use.shared_with)))

    def handout(self, use: Use, party_id: int) -> bool:
        if use.kind in (Kind.MAIN_NAME, Kind.OTHER_NAME, Kind.PLAN):
            return True   # the subjects by name and the plan are in every handout
        if use.kind is Kind.PLAN_ACTION:
            limited = {self.ids[p] for p in use.limited_to}
            return not limited or party_id in limited or party_id == self.ids[use.party]
        if use.kind in (Kind.ITEM, Kind.RESTRICTION):
            return decide(self._item(use), PartyViewer(party_id), Setting.HANDOUT,
                          self.context, self.standings).allowed
        return False      # BSN, address, referral text, minutes, drafts, closure, ...

    @staticmethod
    def full_plan(use: Use) -> bool:
        """The process director's full plan: the policy lets the director see everything
        (``Setting.DIRECTOR``); the document holds the subjects by name and the whole plan,
        actions limited to some parties included, and no information items."""
        return use.kind in (Kind.MAIN_NAME, Kind.OTHER_NAME, Kind.PLAN, Kind.PLAN_ACTION)

    def subject_access(self, use: Use) -> bool:
        """The main subject's own export."""
        if use.kind in (Kind.MAIN_NAME, Kind.MAIN_PRIVATE, Kind.LIFE_DOMAIN):
            return True
        if use.kind is Kind.ITEM:
            return decide(self._item(use), DataSubject(1), Setting.SUBJECT_ACCESS,
                          self.context, self.standings).allowed
        return False


# -- the test -------------------------------------------------------------------------------

def test_canaries_stay_in_the_vault(tmp_path: Path, counts: Counts) -> None:
    assert len(CANARIES) == 50
    counts.add("canary: strings", len(CANARIES))
    # the searcher itself finds every form of a canary (so that 0 hits means something)
    for canary in CANARIES:
        for form in forms(canary):
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                assert canaries_in(b"\x00x" + form.encode(encoding) + b"y\x00") == {canary}

    real_temp = Path(tempfile.gettempdir())
    temp_before = set(os.listdir(real_temp))
    sandbox = tmp_path / "sandbox"
    env = _environment(sandbox)
    folder = sandbox / "kluis"
    # the deliberate input lies outside the sandbox, as a file received from a web form
    outside = tmp_path / "outside"
    outside.mkdir()
    referral_file = outside / "verwijzing.json"
    referral_file.write_text(json.dumps(referral_document(date.today()), ensure_ascii=False),
                             encoding="utf-8")
    session_report = outside / "session.json"
    _run(env, "session", str(folder), str(session_report), str(referral_file))
    report = json.loads(session_report.read_text(encoding="utf-8"))

    hits: dict[Path, set[str]] = {}
    searched = 0
    acked = _crash(env, folder, random.Random(20261129))
    assert acked >= 5
    # right after the kill: the WAL and shared-memory files are still there
    searched += search(files_under(sandbox), hits)
    recover_report = outside / "recover.json"
    _run(env, "recover", str(folder), str(recover_report), str(acked))
    recovered = json.loads(recover_report.read_text(encoding="utf-8"))
    assert recovered["sound"]
    assert recovered["versions"] and max(recovered["versions"]) >= acked, recovered

    final_files = list(files_under(sandbox))
    searched += search(final_files, hits)
    names = {p.name for p in final_files}
    assert {"casuskamer.db", "keyslots.json", "casuskamer.ini", "crash.log",
            "kluis.backup"} <= names, names
    new_temp = sorted(set(os.listdir(real_temp)) - temp_before)
    for entry in new_temp:
        searched += search(files_under(real_temp / entry), hits, cap=MAX_TEMP_FILE)
    counts.add("canary: files searched", searched)

    deliberate = {Path(p) for p in report["handouts"].values()}
    deliberate |= {Path(report["subject_access"]), Path(report["full_plan"])}
    outside_hits = {str(p.relative_to(sandbox) if p.is_relative_to(sandbox) else p):
                    sorted(f"{c} ({CANARIES[c].where})" for c in found)
                    for p, found in hits.items() if p not in deliberate}
    counts.add("canary: hits outside deliberate PDFs",
               sum(len(found) for found in outside_hits.values()))
    # the searcher does find what the deliberate input holds
    assert len(canaries_in(referral_file.read_bytes())) == 14

    # the PDFs: what each recipient got against what the policy lets it have
    expect = Expectation({str(k): int(v) for k, v in report["parties"].items()}, date.today())
    assert sorted(int(p) for p in report["handouts"]) == sorted(expect.invited)
    allowed = forbidden = 0
    wrong: list[str] = []
    recipients: list[tuple[str, Path, set[str]]] = [
        (f"handout for party {pid}", Path(path),
         {c for c, use in CANARIES.items() if expect.handout(use, int(pid))})
        for pid, path in sorted(report["handouts"].items())]
    recipients.append(("subject-access export", Path(report["subject_access"]),
                       {c for c, use in CANARIES.items() if expect.subject_access(use)}))
    recipients.append(("full plan", Path(report["full_plan"]),
                       {c for c, use in CANARIES.items() if expect.full_plan(use)}))
    for label, path, may in recipients:
        found = canaries_in_pdf(path)
        allowed += len(found & may)
        forbidden += len(found - may)
        wrong += [f"{label}: holds {c} ({CANARIES[c].where})" for c in sorted(found - may)]
        wrong += [f"{label}: lacks {c} ({CANARIES[c].where})" for c in sorted(may - found)]
    counts.add("canary: PDF hits allowed by policy", allowed)
    counts.add("canary: PDF hits the policy forbids", forbidden)

    titles = report["titles"]
    assert report["case"] in titles, titles          # the case screen's window was shown
    assert report["notices"], "the crash dialog was not asked for"
    in_titles = [(t, c) for t in titles + report["notices"] for c in CANARIES
                 if any(f.casefold() in t.casefold() for f in forms(c))]

    assert not outside_hits, outside_hits
    assert not wrong, wrong
    assert not in_titles, in_titles
    # the policy's decisions really differ between the recipients (not everything or nothing)
    assert len({frozenset(may) for _l, _p, may in recipients}) == len(recipients)
