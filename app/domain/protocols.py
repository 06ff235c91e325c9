"""The covenant's privacy protocols: the purposes information may be processed for (15.3)."""

from __future__ import annotations

from enum import StrEnum

from app.i18n import N_, _


class Protocol(StrEnum):
    INTEGRALE_VEILIGHEID = "integrale_veiligheid"
    RADICALISERING = "radicalisering"
    JEUGDGROEPEN = "jeugdgroepen"

    @property
    def label(self) -> str:
        return _(PROTOCOL_LABELS[self])


PROTOCOL_LABELS = {
    Protocol.INTEGRALE_VEILIGHEID: N_("Integrated Safety and Complex Multi-problem Cases"),
    Protocol.RADICALISERING: N_("Radicalisation and Extremism"),
    Protocol.JEUGDGROEPEN: N_("Problematic (Youth) Groups"),
}
