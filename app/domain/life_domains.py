"""The ten life domains (leefgebieden) on which a referral describes the problems.

The keys are part of the referral import format (``docs/referral-format.md``) and of the
database; never rename one.
"""

from __future__ import annotations

from enum import StrEnum

from app.i18n import N_, _


class LifeDomain(StrEnum):
    HOUSING = "housing"
    FINANCES = "finances"
    PHYSICAL_HEALTH = "physical_health"
    MENTAL_HEALTH = "mental_health"
    ADDICTION = "addiction"
    JUSTICE = "justice"
    WORK = "work"
    SOCIAL_NETWORK = "social_network"
    PARENTING = "parenting"
    SAFETY = "safety"

    @property
    def label(self) -> str:
        return _(LIFE_DOMAIN_LABELS[self])


LIFE_DOMAINS: tuple[LifeDomain, ...] = tuple(LifeDomain)

LIFE_DOMAIN_LABELS = {
    LifeDomain.HOUSING: N_("Housing"),
    LifeDomain.FINANCES: N_("Finances"),
    LifeDomain.PHYSICAL_HEALTH: N_("Physical health"),
    LifeDomain.MENTAL_HEALTH: N_("Mental health"),
    LifeDomain.ADDICTION: N_("Addiction"),
    LifeDomain.JUSTICE: N_("Justice"),
    LifeDomain.WORK: N_("Work and daytime activity"),
    LifeDomain.SOCIAL_NETWORK: N_("Social network"),
    LifeDomain.PARENTING: N_("Parenting and development"),
    LifeDomain.SAFETY: N_("Safety"),
}
