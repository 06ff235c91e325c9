"""Information items: one piece of information that one party supplied about a case, with
the terms that party set for its use (covenant 15, 16.2, 9.2, 12.2f).

The default terms are the narrowest: only the source party and the process director see
the item. Whether a viewer may see an item is decided only by ``app.sharing.policy``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from app.i18n import N_, _


class Category(StrEnum):
    GENERAL = "general"
    POLICE = "police"          # politiegegevens
    JUDICIAL = "judicial"      # justitiële / strafvorderlijke gegevens
    SPECIAL = "special"        # bijzondere persoonsgegevens, e.g. health
    BSN = "bsn"

    @property
    def label(self) -> str:
        return _(CATEGORY_LABELS[self])


CATEGORY_LABELS = {
    Category.GENERAL: N_("General"),
    Category.POLICE: N_("Police data"),
    Category.JUDICIAL: N_("Judicial data"),
    Category.SPECIAL: N_("Special category (e.g. health)"),
    Category.BSN: N_("Citizen service number (BSN)"),
}


@dataclass(frozen=True)
class SharingTerms:
    """What the source party allows. Defaults: the narrowest."""

    shared_with: frozenset[int] = field(default_factory=frozenset)  # party ids
    pre_meeting_view: bool = False
    meeting_screen: bool = False
    use_restriction: str = ""
    #: the source party agreed that the house gives the item to a subject who asks for
    #: access (AVG 15); without it the item is marked for the process director's review
    subject_access: bool = False


@dataclass(frozen=True)
class InformationItem:
    id: int
    case_id: int
    source_party_id: int
    category: Category
    text: str
    received: date
    terms: SharingTerms = field(default_factory=SharingTerms)
    #: the case's subjects (by id) the item concerns; None: the whole household
    concerns: frozenset[int] | None = None
    #: the terms were set by someone other than the source party (an import) and are held
    #: at the narrowest until the source party confirms them in triage
    terms_to_confirm: bool = False

    def concerns_subject(self, subject_id: int) -> bool:
        return self.concerns is None or subject_id in self.concerns
