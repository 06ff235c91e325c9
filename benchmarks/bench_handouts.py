"""Handouts for 15 parties of a case whose plan runs to about ten pages, against bare
reportlab building the same story.

``ours``: for each party, the full path of ``app.export.handout``: compose through the sharing
policy, build the story (escaped text, shaped where needed) and render it with the house page
template (banner, watermark, "pagina x van y" on a two-pass canvas, metadata).
``reference``: the same story objects for the same parties, built with a plain
``SimpleDocTemplate`` (no page marks, no numbering pass, no policy).

Both sides run in the same process on the same data, so the ratio is the price of the page
layer and the policy. ``run(size)`` returns a dict; ``rows(n, smoke)`` feeds the table of
``python -m benchmarks``.

A second row times what a process director waits for: ``export_handouts_for_invited`` on the
100,000-listed demo vault for the coming case with the most invited parties, the whole
service path (the vault reads, the policy, the PDFs, the disclosure-log rows and the files
written), against a budget of 2 s.
"""

from __future__ import annotations

import io
import statistics
import time
from datetime import date, datetime, timedelta
from typing import Any

from pypdf import PdfReader
from reportlab.platypus import SimpleDocTemplate

from app.domain.cases import Subject, SubjectRole
from app.domain.information import Category, InformationItem, SharingTerms
from app.domain.life_domains import LIFE_DOMAINS
from app.domain.plan import (
    Action,
    ActionPlan,
    ActionStatus,
    CaseCoordinator,
    Goal,
    InformationNeed,
    ProgressNote,
)
from app.domain.protocols import Protocol
from app.domain.standing import PartyStanding, ProtocolMembership
from app.export import fonts, pdf
from app.export.handout import handout_story, render_handout
from app.sharing.handout import CaseFacts, compose
from benchmarks.harness import Row, listed_vault, unlock

SERVICE_BUDGET_S = 2.0

PARTIES = 15
ACTIONS = 16


def case_facts(parties: int = PARTIES, actions: int = ACTIONS) -> CaseFacts:
    """A case with ``parties`` invited parties, a long plan and a dozen items."""
    ids = list(range(1, parties + 1))
    names = {pid: f"Partij {pid:02d} Zorg en Veiligheid" for pid in ids}
    names[1] = "Şükrü Yılmaz Stichting"
    standings = {pid: PartyStanding(pid, date(2019, 1, 1), None, (
        ProtocolMembership(Protocol.INTEGRALE_VEILIGHEID, date(2019, 1, 1)),)) for pid in ids}
    words = ["huisbezoek", "schuldhulpverlening", "afspraak", "woningcorporatie", "wijkagent",
             "behandeling", "reclassering", "toezicht", "school", "leerplicht"]

    def text(n: int, seed: int) -> str:
        return " ".join(words[(seed + i) % len(words)] for i in range(n))

    plan = ActionPlan(
        case_id=42,
        goals=tuple(Goal(f"g{i}", d, text(30, i)) for i, d in enumerate(LIFE_DOMAINS)),
        actions=tuple(Action(
            key=f"a{i}", party_id=ids[i % parties], description=text(40, i),
            owner=f"Medewerker {i}", due=date(2027, 1, 1) + timedelta(days=i),
            status=list(ActionStatus)[i % 4], goal_key=f"g{i % len(LIFE_DOMAINS)}",
            limited_to=frozenset({ids[i % parties], ids[(i + 1) % parties]}) if i % 5 == 0
            else frozenset(),
            notes=(ProgressNote(datetime(2026, 11, 20, 9, 0), "regisseur", text(25, i)),))
            for i in range(actions)),
        information_needs=tuple(InformationNeed(f"n{pid}", pid, text(15, pid)) for pid in ids),
        coordinator=CaseCoordinator(2, "Łukasz Wiśniewski"),
        closure_criteria=text(60, 3), next_meeting=date(2027, 2, 1), version=4)
    items = tuple(InformationItem(
        id=i, case_id=42, source_party_id=ids[i % parties], category=list(Category)[i % 5],
        text=text(80, i), received=date(2026, 11, 1),
        terms=SharingTerms(frozenset(ids[j] for j in range(0, parties, 2)),
                           use_restriction="Alleen voor dit plan van aanpak"))
        for i in range(12))
    subjects = (Subject("Şükrü", "Yılmaz", date(1984, 3, 14), SubjectRole.MAIN_SUBJECT, id=1),
                Subject("Thị Minh Khai", "Nguyễn", date(2012, 1, 5), SubjectRole.CHILD, id=2))
    return CaseFacts(house="Zorg- en Veiligheidshuis Haaglanden", case_id=42,
                     case_number="ZVH-2026-0042", protocol=Protocol.INTEGRALE_VEILIGHEID,
                     received=date(2026, 10, 1), subjects=subjects, plan=plan, items=items,
                     party_names=names, standings=standings, invited=frozenset(ids),
                     on=date(2026, 12, 1))


def ours(facts: CaseFacts) -> list[bytes]:
    return [render_handout(compose(facts, pid)) for pid in sorted(facts.invited or ())]


def reference(facts: CaseFacts) -> list[bytes]:
    """Bare reportlab: the same stories, a plain document template."""
    out = []
    for pid in sorted(facts.invited or ()):
        story = handout_story(compose(facts, pid))
        buffer = io.BytesIO()
        SimpleDocTemplate(buffer, pagesize=pdf.PAGE_SIZE, leftMargin=pdf.MARGIN_X,
                          rightMargin=pdf.MARGIN_X, topMargin=pdf.MARGIN_TOP,
                          bottomMargin=pdf.MARGIN_BOTTOM).build(story)
        out.append(buffer.getvalue())
    return out


def _median(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(size: int = PARTIES, repeat: int = 3, actions: int = ACTIONS) -> dict[str, Any]:
    """Handouts for ``size`` parties: our median and bare reportlab's, in seconds."""
    fonts.register_fonts()
    facts = case_facts(size, actions)
    sample = ours(facts)                      # warm-up, and the page count
    reference(facts)
    pages = len(PdfReader(io.BytesIO(sample[0])).pages)
    ours_s = _median(lambda: ours(facts), repeat)
    ref_s = _median(lambda: reference(facts), repeat)
    return {"parties": size, "pages_per_handout": pages, "ours_s": ours_s,
            "reference_s": ref_s, "ratio": ours_s / ref_s if ref_s else None}


def rows(n: int, smoke: bool) -> list[Row]:
    result = run(3 if smoke else PARTIES, repeat=1 if smoke else 3,
                 actions=10 if smoke else ACTIONS)
    ratio = result["ratio"]
    return [Row(what=f"handouts ({result['pages_per_handout']} pages each)",
                size=f"{result['parties']} parties", ours=result["ours_s"],
                reference=result["reference_s"], unit="s", budget="ratio <= 1.5",
                ok=None if smoke else bool(ratio is not None and ratio <= 1.5),
                note="bare reportlab builds the same story"), service_row(n, smoke)]


def _busiest_coming_case(vault: Any) -> tuple[str, int]:
    """The case on a coming meeting's agenda with the most invited parties."""
    with vault.read() as conn:
        row = conn.exec_driver_sql("""
            SELECT c.number, count(DISTINCT ri.party_id) AS invited
              FROM agenda_items ai
              JOIN meetings m ON m.id = ai.meeting_id
              JOIN cases c ON c.id = ai.case_id
              JOIN routing_invitees ri ON ri.case_id = c.id
             WHERE m.starts_at >= date('now') AND m.state != 'finished'
             GROUP BY c.id ORDER BY invited DESC, c.id LIMIT 1""").first()
    if row is None:
        raise RuntimeError("the demo vault has no case on a coming agenda")
    return str(row[0]), int(row[1])


def service_row(cases: int, smoke: bool) -> Row:
    """The batch of handouts through the service, files and audit rows included."""
    import tempfile
    from pathlib import Path

    from app.services import handouts

    vault = unlock(listed_vault(cases, smoke))
    times: list[float] = []
    try:
        number, invited = _busiest_coming_case(vault)
        for _ in range(1 if smoke else 3):
            with tempfile.TemporaryDirectory(prefix="bench-handouts-") as tmp:
                start = time.perf_counter()
                result = handouts.export_handouts_for_invited(vault, number, Path(tmp))
                times.append(time.perf_counter() - start)
                written = len(result.exported)
                assert written == len(list(Path(tmp).iterdir()))
    finally:
        vault.lock()
    took = statistics.median(times)
    return Row("handouts for every invited party (service: reads, PDFs, audit rows, files)",
               f"{invited} parties, {cases} listed cases", took, None, "s",
               f"<= {SERVICE_BUDGET_S:.0f} s", None if smoke else took <= SERVICE_BUDGET_S,
               f"{written} files written", ours_spread=(min(times), max(times)),
               samples=len(times))


if __name__ == "__main__":  # pragma: no cover
    print(run())
