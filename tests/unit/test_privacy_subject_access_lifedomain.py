"""Subject access (AVG art. 15, 15(4); issue 16 point 4): the referral's texts per life
domain describe the whole household, so they are entries of the draft that the process
director decides like items (include, redact, withhold with a ground), marked "it also
concerns other people" and supplied by the referring party; the draft's fingerprint covers
them, so a review made before such a text changed is refused ("a review file that does not
match the vault's current data").

On the old code the export read every life-domain text of the case straight into the PDF
(also the partner's, with every marked item withheld), outside the draft, and a review
made before the text changed still made a PDF afterwards.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from app.domain.life_domains import LifeDomain
from app.i18n import _
from app.services import cases as case_service
from app.services import subject_access as sa
from app.services.subject_access import Choice, Ground, ItemDecision, ReviewRefused
from app.sharing.policy import ReviewFlag
from app.store.case_tables import life_domain_problems
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.pg_engine import audit_reader
from tests.unit.meeting_fixtures import MUNICIPALITY
from tests.unit.service_world import CANARIES, as_director, build_world

LIFE = CANARIES["life_domain"]
HOUSEHOLD_TEXT = "The referral's description of the household's problems"


def text_of(path: Path) -> str:
    """The PDF's text without white space (words may be hyphenated at a line's end)."""
    raw = "\n".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)
    return re.sub(r"-\n", "", re.sub(r"[ \t]+", "", raw)).replace("\n", "")


def partner(vault: OpenVault, tmp_path: Path) -> tuple[OpenVault, sa.SubjectMatch]:
    world = build_world(vault, tmp_path)
    director = as_director(vault)
    with director.read() as conn:
        case = case_service.load_case(conn, world.case_id)
    subject_id = case.subjects[1].id   # the partner, not the main subject
    assert subject_id is not None
    return director, sa.find_subject(director, subject_id=subject_id)


def withhold_marked(draft: sa.SubjectAccessDraft) -> sa.SubjectAccessDraft:
    for entry in draft.items:
        if entry.flags:
            draft = draft.decide(entry.item_id, ItemDecision(
                Choice.WITHHOLD, ground=Ground.RIGHTS_OF_OTHERS))
    return draft


def municipality_name(vault: OpenVault) -> str:
    """The referring party of the world's case (the municipality), by its name."""
    return MUNICIPALITY


def denied(vault: OpenVault) -> list[dict[str, Any]]:
    with audit_reader(vault) as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(audit_log).where(audit_log.c.action == "export.subject_access",
                                    audit_log.c.result == "denied"))]


def test_avg_15_4_life_domain_text_is_a_marked_entry_from_the_referring_party(
        admin_vault: OpenVault, tmp_path: Path) -> None:
    vault, match = partner(admin_vault, tmp_path)
    draft = sa.draft_subject_access(vault, match)
    entries = [e for e in draft.items if e.life_domain is not None]
    assert [(e.life_domain, e.text) for e in entries] == [(LifeDomain.HOUSING, LIFE)]
    entry = entries[0]
    assert entry.flags == (ReviewFlag.OTHER_SUBJECTS,)   # it describes the whole household
    assert entry.decision is None and not entry.decided
    assert entry.source == municipality_name(vault)      # the referring party
    # a draft with it undecided makes no PDF
    only_items = draft
    for other in draft.items:
        if other.life_domain is None and other.flags:
            only_items = only_items.decide(other.item_id, ItemDecision(
                Choice.WITHHOLD, ground=Ground.RIGHTS_OF_OTHERS))
    out = tmp_path / "partner.pdf"
    with pytest.raises(ReviewRefused) as refused:
        sa.export_subject_access(vault, out, only_items, match=match)
    assert refused.value.reason == "undecided" and not out.exists()


def test_avg_15_4_withheld_life_domain_text_is_not_in_the_partners_pdf(
        admin_vault: OpenVault, tmp_path: Path) -> None:
    """The reviewer's reproduction: the partner's export with every marked entry
    withheld holds no life-domain text, and lists it as the referral's description with
    the referring party to ask."""
    vault, match = partner(admin_vault, tmp_path)
    draft = withhold_marked(sa.draft_subject_access(vault, match))
    out = tmp_path / "partner.pdf"
    sa.export_subject_access(vault, out, draft, match=match)
    text = text_of(out)
    assert LIFE not in text
    assert re.sub(r"\s+", "", _(HOUSEHOLD_TEXT)) in text
    assert re.sub(r"\s+", "", municipality_name(vault)) in text
    with audit_reader(vault) as conn:
        rows = [dict(r._mapping) for r in conn.execute(
            select(audit_log).where(audit_log.c.action == "subject_access.decision",
                                    audit_log.c.object_type == "life_domain"))]
    details = [json.loads(r["detail"]) if isinstance(r["detail"], str) else r["detail"]
               for r in rows]
    assert [(d["decision"], d["ground"]) for d in details] == [
        ("withhold", Ground.RIGHTS_OF_OTHERS.value)]


def test_issue16_review_made_before_the_life_domain_text_changed_is_refused(
        admin_vault: OpenVault, tmp_path: Path) -> None:
    vault, match = partner(admin_vault, tmp_path)
    draft = sa.draft_subject_access(vault, match)
    for entry in draft.items:   # the director includes everything, the household text too
        draft = draft.decide(entry.item_id, ItemDecision(Choice.INCLUDE))
    with vault.begin() as conn:
        conn.execute(update(life_domain_problems).values(
            description="NIEUW-GEHEIM over de buurman"))
    out = tmp_path / "partner.pdf"
    before = len(denied(vault))
    with pytest.raises(ReviewRefused) as refused:
        sa.export_subject_access(vault, out, draft, match=match)
    assert refused.value.reason == "changed" and "\n" not in str(refused.value)
    assert not out.exists()
    assert len(denied(vault)) == before + 1


def test_avg_15_redacted_life_domain_text_only_as_redacted(
        admin_vault: OpenVault, tmp_path: Path) -> None:
    vault, match = partner(admin_vault, tmp_path)
    draft = withhold_marked(sa.draft_subject_access(vault, match))
    entry = next(e for e in draft.items if e.life_domain is not None)
    draft = draft.decide(entry.item_id, ItemDecision(Choice.REDACT, "Huurschuld gemeld"))
    out = tmp_path / "partner.pdf"
    sa.export_subject_access(vault, out, draft, match=match)
    text = text_of(out)
    assert LIFE not in text and "Huurschuldgemeld" in text


def test_avg_15_main_subject_gets_the_life_domain_text_when_included(
        admin_vault: OpenVault, tmp_path: Path) -> None:
    world = build_world(admin_vault, tmp_path)
    vault = as_director(admin_vault)
    with vault.read() as conn:
        case = case_service.load_case(conn, world.case_id)
    assert case.subjects[0].id is not None
    match = sa.find_subject(vault, subject_id=case.subjects[0].id)
    draft = sa.draft_subject_access(vault, match)
    for entry in draft.items:
        draft = draft.decide(entry.item_id, ItemDecision(Choice.INCLUDE))
    out = tmp_path / "main.pdf"
    sa.export_subject_access(vault, out, draft, match=match)
    assert LIFE in text_of(out)


def test_review_file_holds_the_life_domain_entry_and_refuses_an_old_version(
        admin_vault: OpenVault, tmp_path: Path) -> None:
    vault, match = partner(admin_vault, tmp_path)
    draft = sa.draft_subject_access(vault, match)
    path = tmp_path / "review.json"
    sa.write_draft(vault, draft, path)
    body = json.loads(path.read_text(encoding="utf-8"))
    assert body["version"] == sa.REVIEW_VERSION == 2
    domain = [e for e in body["items"] if "life_domain" in e]
    assert [(e["domain"], e["text"], e["review"], e["decision"]) for e in domain] == [
        ("housing", LIFE, ["other_subjects"], None)]
    for entry in body["items"]:
        entry["decision"], entry["ground"] = "withhold", "avg_15_4"
    path.write_text(json.dumps(body), encoding="utf-8")
    review = sa.read_review(vault, path)
    out = tmp_path / "partner.pdf"
    sa.export_subject_access(vault, out, review, match=match)
    assert LIFE not in text_of(out)
    # a file of the first version (life-domain texts outside the draft): one line, refused
    body["version"] = 1
    path.write_text(json.dumps(body), encoding="utf-8")
    with pytest.raises(ReviewRefused) as refused:
        sa.read_review(vault, path)
    assert refused.value.reason == "malformed" and "\n" not in str(refused.value)
