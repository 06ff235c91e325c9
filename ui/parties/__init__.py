"""The Parties screen: the covenant's register of partners, their protocol membership,
contact persons, accession (Bijlage 1) and withdrawal or exclusion."""

from ui.parties.screen import PartiesScreen

__all__ = ["PartiesScreen"]
