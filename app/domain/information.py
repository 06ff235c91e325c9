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


@dataclass(frozen=True)
class InformationItem:
    id: int
    case_id: int
    source_party_id: int
    category: Category
    text: str
    received: date
    terms: SharingTerms = field(default_factory=SharingTerms)
