"""The Cases area of the desktop program: the Cases screen, the intake wizard, the referral
import dialog (and the case view of the triage area)."""
