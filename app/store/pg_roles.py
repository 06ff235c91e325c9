"""The house server's roles and grants as SQL (issue 22, point 3), generated from the role
rules in ``app.domain.roles``. Groundwork: the program does not yet connect to a server; a
later ``casuskamer init/upgrade --server`` runs these statements as the migration owner.

- one NOLOGIN group role per program role (``<prefix>_admin``, ``<prefix>_process_director``,
  ...); each account logs in as its own LOGIN role, a member of its program role's group, with
  a SCRAM verifier computed on the workstation (``app.store.field_crypto.scram_verifier``);
- a separate NOLOGIN migration owner (``<prefix>_owner``) that owns the schema's tables and is
  used only by init/upgrade; no program role owns anything, so none can ALTER, DROP or
  disable a trigger;
- per table, each privilege (SELECT, INSERT, UPDATE, DELETE) goes to the roles that hold one
  of the permissions :data:`TABLE_GRANTS` names for it (``GRANTS`` in ``app.domain.roles``);
- the audit table takes INSERT only, from every role (SELECT for the roles that may read the
  audit log), never UPDATE or DELETE;
- the manager's role (only ``VIEW_FIGURES``) gets no table at all: it reads only the figures'
  views (:data:`FIGURES_VIEW_SQL`), which the owner defines over non-personal columns.

The SECURITY DEFINER functions of the migration owner answer a role a fact derived from
what it may not read, and only that fact: "already known" (:func:`already_known_statements`)
and a referral's receipt's counts (:func:`receipt_facts_statements`). There is none for the
retention purge, by choice: on the server it runs in the sessions of the roles that work
on the cases (``app.services.unlocking.session_step``; covenant 1.10 and 12.1, the
dossier's cleaning is the process director's; docs/house-server.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Table

from app.domain.roles import GRANTS, Permission, Role
from app.store.field_crypto import NONCE_BYTES, TAG_BYTES
from app.store.forward_tables import DELIVERED_KEY, SEQ_KEY

PREFIX = "casuskamer"
AUDIT_TABLE = "audit_log"
#: The figures' views on the house server, defined by the migration owner over the plain,
#: non-personal columns the figures count (``app.store.figures`` reads them there, for every
#: role that may see the figures): no name, no text, no case number. Who holds
#: ``VIEW_FIGURES`` may select them; the manager reads nothing else. A view reads its tables
#: with its owner's rights, so the manager's role needs no grant on a table.
FIGURES_VIEW_SQL: dict[str, str] = {
    "figures_cases": "SELECT id, protocol, state, received, referring_party_type, "
                     "intake_decision, outcome, intake_started_at, intake_decided_at, "
                     "triage_done_at, first_meeting_at, closed_at FROM {s}.cases",
    "figures_tombstones": "SELECT protocol, referring_party_type, final_state, referred_on, "
                          "intake_decided_on, triage_done_on, first_meeting_on, closed_on, "
                          "ended_on, destroyed_on, outcome, subjects, information_items, "
                          "meetings, actions_total, actions_done, actions_done_on_time, "
                          "actions_cancelled, criteria_total, criteria_met "
                          "FROM {s}.case_tombstones",
    "figures_open_actions": "SELECT a.status, a.due, c.state, c.protocol "
                            "FROM {s}.plan_actions a JOIN {s}.plans p ON p.id = a.plan_id "
                            "JOIN {s}.cases c ON c.id = p.case_id",
    "figures_meetings": "SELECT id, state, starts_at FROM {s}.meetings",
    "figures_agenda": "SELECT meeting_id, case_id FROM {s}.agenda_items",
}
#: The tables each view reads (made only where they all exist).
_VIEW_TABLES = {"figures_cases": {"cases"}, "figures_tombstones": {"case_tombstones"},
                "figures_open_actions": {"plan_actions", "plans", "cases"},
                "figures_meetings": {"meetings"}, "figures_agenda": {"agenda_items"}}
FIGURES_VIEWS: tuple[str, ...] = tuple(FIGURES_VIEW_SQL)

#: The audit actions of the disclosure log: a file about a case that left the house
#: (``app.services.disclosures.DISCLOSURE_ACTIONS``, which ``handouts.disclosures`` reads a
#: part of). Who may read the disclosure log (``VIEW_CASES``, what those services require)
#: reads these rows about cases on the server, and no other audit row.
DISCLOSURE_ACTIONS = ("export.handout", "export.plan", "export.receipt",
                      "export.triage_outcome")
#: The audit actions shown as notices of a change to the accounts at the next unlock
#: (``app.services.accounts.NOTICE_ACTIONS``, issue 17): who is told (the roles that see the
#: case substance or manage the accounts, ``accounts.NOTICE_ROLES``) reads these rows about
#: accounts on the server (who added, revoked or changed which account, its role, when: the
#: notice itself), and no other audit row but those about its own account.
ACCOUNT_NOTICE_ACTIONS = ("account.add", "account.revoke", "account.role")
#: The vault's secret for the subject-access review file's fingerprint
#: (``app.services.subject_access.FINGERPRINT_KEY``), made on first use by who makes such a
#: report (``CASE_SUBSTANCE``): on the server only those roles (and who manages the
#: settings) read or insert that ``meta`` row, so no other role can test guesses of a BSN
#: against a review file.
FINGERPRINT_KEY = "subject_access_fingerprint_key"
#: The audit log's keyed-hash secret for searches (``app.services.audit_log.SEARCH_KEY``),
#: made on first use by whoever searches first (every role may: ``audit_log.log_search``):
#: every role may insert that one ``meta`` row (sealed under the data key every account
#: holds), never change it.
SEARCH_KEY = "audit_search_key"
#: The ``meta`` rows of the forwarding position (``app.store.forward_tables``: the last
#: sequence number given, the last head the central log received), moved by every role.
FORWARD_POSITION = ", ".join(f"'{key}'" for key in (SEQ_KEY, DELIVERED_KEY)
                             if re.fullmatch(r"[a-z_]+", key))
_ACTION = re.compile(r"[a-z_]+\.[a-z_]+\Z")

_IDENT = re.compile(r"[a-z_][a-z0-9_]{0,62}\Z")
_VERIFIER = re.compile(r"SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+\Z")
PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")


def _p(*permissions: Permission) -> frozenset[Permission]:
    return frozenset(permissions)


NOBODY: frozenset[Permission] = frozenset()
EVERY_ROLE: frozenset[Permission] = frozenset(Permission)  # any permission at all


@dataclass(frozen=True)
class TableGrant:
    """Which permissions give each privilege on one table."""

    select: frozenset[Permission]
    insert: frozenset[Permission]
    update: frozenset[Permission]
    delete: frozenset[Permission]
    #: When not empty, UPDATE is granted on every column of the table but these.
    update_all_but: tuple[str, ...] = ()
    #: Columns whose content is the substance (what is said about the people): a role that
    #: may read the table but holds none of :attr:`substance` gets SELECT on every other
    #: column only, so the server refuses it these (a column list instead of the table).
    substance_columns: tuple[str, ...] = ()
    #: Or the other way round, for a table of the substance of which such a role reads a
    #: few plain columns (what the service gives it: a count, a date, who is invited): those
    #: columns only, every other (and every column added later) refused.
    register_only: tuple[str, ...] = ()
    substance: frozenset[Permission] = frozenset({Permission.CASE_SUBSTANCE})

    @property
    def column_limited(self) -> bool:
        return bool(self.substance_columns or self.register_only)

    def needs(self, privilege: str) -> frozenset[Permission]:
        return {"SELECT": self.select, "INSERT": self.insert, "UPDATE": self.update,
                "DELETE": self.delete}[privilege]


def _grant(select: frozenset[Permission], write: frozenset[Permission],
           insert: frozenset[Permission] | None = None,
           substance_columns: tuple[str, ...] = (),
           register_only: tuple[str, ...] = ()) -> TableGrant:
    return TableGrant(select=select, insert=write if insert is None else insert,
                      update=write, delete=write, substance_columns=substance_columns,
                      register_only=register_only)


_ACCOUNTS = _p(Permission.MANAGE_ACCOUNTS)
_SETTINGS = _p(Permission.MANAGE_SETTINGS)
_PARTIES_READ = _p(Permission.VIEW_PARTIES, Permission.MANAGE_PARTIES)
_PARTIES = _p(Permission.MANAGE_PARTIES)
_REGISTER = _p(Permission.VIEW_CASES)
_LOGISTICS = _p(Permission.MEETING_LOGISTICS, Permission.CASE_WORK)
_SUBSTANCE = _p(Permission.CASE_SUBSTANCE)
_WORK = _p(Permission.CASE_WORK)
#: A referral comes in through the information centre as well: it writes the new case's
#: subjects and referral, but does not read them back (INSERT without SELECT).
_INTAKE = _p(Permission.CASE_WORK, Permission.REGISTER_REFERRAL)

#: Every table of ``app.store.schema.metadata`` and who may do what with it. A table missing
#: here has no grant at all (``unclassified`` lists them; a test keeps the list empty).
TABLE_GRANTS: dict[str, TableGrant] = {
    # accounts and settings (every account reads the settings and retention periods)
    "accounts": _grant(_ACCOUNTS, _ACCOUNTS),
    "meta": _grant(EVERY_ROLE, _SETTINGS),
    "retention_periods": _grant(EVERY_ROLE, _SETTINGS),
    # the audit log: INSERT only for every role; read by who may read the audit log
    AUDIT_TABLE: TableGrant(select=_p(Permission.READ_AUDIT), insert=EVERY_ROLE,
                            update=NOBODY, delete=NOBODY),
    # the forwarding queue holds no detail; the forwarder reads and empties it
    "audit_forward_queue": TableGrant(select=EVERY_ROLE, insert=EVERY_ROLE, update=NOBODY,
                                      delete=EVERY_ROLE),
    # the parties register
    "parties": _grant(_PARTIES_READ, _PARTIES),
    "party_contacts": _grant(_PARTIES_READ, _PARTIES),
    "party_protocols": _grant(_PARTIES_READ, _PARTIES),
    "party_events": _grant(_PARTIES_READ, _PARTIES),
    # the case register and the meetings' logistics; who reads them without the substance
    # (the information centre) reads only the register's columns (SUBSTANCE_COLUMNS)
    "cases": _grant(_REGISTER, _WORK, insert=_INTAKE, substance_columns=(
        "referring_contact", "reason", "question", "decline_reason", "decline_advice")),
    "case_invitees": _grant(_REGISTER, _WORK, insert=_INTAKE),
    "meetings": _grant(_REGISTER, _LOGISTICS),
    "attendees": _grant(_REGISTER, _LOGISTICS),
    "attendee_absences": _grant(_REGISTER, _LOGISTICS),
    # the goal, themes and decision types the process director wrote for the invitees
    # (app.services.meetings.logistics_only keeps them from the centre)
    "agenda_items": _grant(_REGISTER, _WORK,
                           substance_columns=("goal", "themes", "decision_types")),
    "routing_invitees": _grant(_REGISTER, _WORK),
    # who is invited to an agenda item, not the contribution asked of them
    "invitations": _grant(_REGISTER, _WORK,
                          register_only=("agenda_item_id", "party_id", "invited_at")),
    # the Cases list's name: the register's readers get the main subject's display name,
    # of which their screens show the initials (not the search key: names and BSNs)
    "case_search": _grant(_REGISTER, _WORK, insert=_INTAKE,
                          register_only=("case_id", "main_subject")),
    # the Cases list's next meeting and open and overdue actions: dates and a status
    "plans": _grant(_REGISTER, _WORK, register_only=("id", "case_id", "next_meeting")),
    "plan_actions": _grant(_REGISTER, _WORK, register_only=("plan_id", "due", "status")),
    # the substance: the process director's
    "subjects": _grant(_SUBSTANCE, _WORK, insert=_INTAKE),
    "information_items": _grant(_SUBSTANCE, _WORK, insert=_INTAKE),
    "item_shared_with": _grant(_SUBSTANCE, _WORK, insert=_INTAKE),
    "item_subjects": _grant(_SUBSTANCE, _WORK, insert=_INTAKE),
    "subject_informing": _grant(_SUBSTANCE, _WORK, insert=_INTAKE),
    "life_domain_problems": _grant(_SUBSTANCE, _WORK, insert=_INTAKE),
    "criteria_answers": _grant(_SUBSTANCE, _WORK),
    "routing_decisions": _grant(_SUBSTANCE, _WORK),
    # which party triage asked and what it answered: the invitation step shows the centre
    # the answers (meetings.invitee_choices), not who recorded them
    "triage_queries": _grant(_REGISTER, _WORK, register_only=(
        "id", "case_id", "party_id", "asked_on", "answered_on", "answer")),
    # what a referral asked of another source party (covenant 16.2): written with the
    # referral, so by who registers referrals too (INSERT without SELECT)
    "widening_requests": _grant(_SUBSTANCE, _WORK, insert=_INTAKE),
    "case_minutes": _grant(_SUBSTANCE, _WORK),
    "minutes_entries": _grant(_SUBSTANCE, _WORK),
    "plan_versions": _grant(_SUBSTANCE, _WORK),
    "plan_goals": _grant(_SUBSTANCE, _WORK),
    "plan_action_notes": _grant(_SUBSTANCE, _WORK),
    "plan_action_parties": _grant(_SUBSTANCE, _WORK),
    "plan_information_needs": _grant(_SUBSTANCE, _WORK),
    "case_closures": _grant(_SUBSTANCE, _WORK),
    "drafts": _grant(_p(Permission.CASE_WORK, Permission.REGISTER_REFERRAL), _INTAKE),
    # what is left of a closed or destroyed case: non-personal counts and dates. Who closes
    # and destroys cases writes it once per case as an upsert on its case_id
    # (app/store/cases.write_tombstone) and reads it for the closure figures; it may update
    # every column but the key and never delete it. The manager reads no table: only the
    # figures' views
    "case_tombstones": TableGrant(select=_WORK, insert=_WORK, update=_WORK, delete=NOBODY,
                                  update_all_but=("case_id",)),
}


def ident(name: str) -> str:
    """A lower-case SQL identifier, checked (the statements are built as text)."""
    if not _IDENT.match(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return name


def group_role(role: Role, prefix: str = PREFIX) -> str:
    return ident(f"{prefix}_{role.value}")


def owner_role(prefix: str = PREFIX) -> str:
    return ident(f"{prefix}_owner")


def roles_holding(permissions: frozenset[Permission]) -> list[Role]:
    """The program roles that hold at least one of ``permissions``."""
    if permissions is EVERY_ROLE:
        return list(Role)
    return [role for role in Role if GRANTS[role] & permissions]


def unclassified(tables: Iterable[Table]) -> list[str]:
    return sorted(t.name for t in tables if t.name not in TABLE_GRANTS)


def role_statements(prefix: str = PREFIX) -> list[str]:
    """The migration owner and one NOLOGIN group role per program role."""
    statements = [f"CREATE ROLE {owner_role(prefix)} NOLOGIN"]
    statements += [f"CREATE ROLE {group_role(role, prefix)} NOLOGIN" for role in Role]
    return statements


def figures_view_statements(tables: Sequence[Table], prefix: str = PREFIX,
                            schema: str = "public") -> list[str]:
    """The figures' views (:data:`FIGURES_VIEW_SQL`) over ``tables``, owned by the migration
    owner, and SELECT on them for who may see the figures (idempotent: ``upgrade`` runs them
    again; run by the owner's login or a superuser after the tables exist)."""
    s = ident(schema)
    present = {t.name for t in tables}
    readers = ", ".join(group_role(r, prefix) for r in roles_holding(_p(Permission.VIEW_FIGURES)))
    groups = ", ".join(group_role(r, prefix) for r in Role)
    out = []
    for view, sql in FIGURES_VIEW_SQL.items():
        if not _VIEW_TABLES[view] <= present:
            continue
        name = f"{s}.{ident(view)}"
        out += [f"CREATE OR REPLACE VIEW {name} AS {sql.format(s=s)}",
                f"ALTER VIEW {name} OWNER TO {owner_role(prefix)}",
                f"REVOKE ALL ON TABLE {name} FROM PUBLIC, {groups}",
                f"GRANT SELECT ON TABLE {name} TO {readers}"]
    return out


def grant_statements(tables: Sequence[Table], figures_views: Sequence[str] = (),
                     prefix: str = PREFIX, schema: str = "public") -> list[str]:
    """REVOKE/GRANT statements for ``tables`` (owned by the migration owner) and the figures'
    views. Run by the owner (or a superuser) after the tables exist."""
    s = ident(schema)
    groups = [group_role(role, prefix) for role in Role]
    out = [f"REVOKE ALL ON SCHEMA {s} FROM PUBLIC",
           f"GRANT USAGE ON SCHEMA {s} TO {', '.join(groups)}"]
    for table in tables:
        name = ident(table.name)
        # from the groups too (column privileges go with it): run again on an existing house
        # (``upgrade``), a grant this program no longer gives does not stay behind
        out.append(f"REVOKE ALL ON TABLE {s}.{name} FROM PUBLIC, {', '.join(groups)}")
        grant = TABLE_GRANTS.get(table.name)
        if grant is None:
            continue
        for privilege in PRIVILEGES:
            holders = roles_holding(grant.needs(privilege))
            if privilege == "SELECT" and grant.column_limited:
                whole = [r for r in holders if GRANTS[r] & grant.substance]
                register = [r for r in holders if r not in whole]
                if register:
                    out.append(f"GRANT SELECT{register_columns(table, grant)} ON TABLE "
                               f"{s}.{name} TO "
                               + ", ".join(group_role(r, prefix) for r in register))
                holders = whole
            if holders:
                out.append(f"GRANT {privilege}{_columns(table, grant, privilege)} ON TABLE "
                           f"{s}.{name} TO "
                           + ", ".join(group_role(r, prefix) for r in holders))
        sequence = _serial_sequence(table)
        inserters = roles_holding(grant.insert)
        if sequence and inserters:
            out.append(f"GRANT USAGE ON SEQUENCE {s}.{ident(sequence)} TO "
                       + ", ".join(group_role(r, prefix) for r in inserters))
    if {"cases", "subjects"} <= {t.name for t in tables}:
        out += already_known_statements(prefix, schema)
    if set(_RECEIPT_TABLES) <= {t.name for t in tables}:
        out += receipt_facts_statements(prefix, schema)
    out += figures_view_statements(tables, prefix, schema)
    readers = roles_holding(_p(Permission.VIEW_FIGURES))
    for view in figures_views:
        out.append(f"REVOKE ALL ON TABLE {s}.{ident(view)} FROM PUBLIC")
        out.append(f"GRANT SELECT ON TABLE {s}.{ident(view)} TO "
                   + ", ".join(group_role(r, prefix) for r in readers))
    return out


#: The server's "already known" check (``app.store.cases.with_subject`` calls it there).
ALREADY_KNOWN_FUNCTION = "casuskamer_already_known"


def already_known_statements(prefix: str = PREFIX, schema: str = "public") -> list[str]:
    """"Already known" on the house server for who may not read the subjects (the
    information centre registers referrals, ``VIEW_CASES``): a SECURITY DEFINER function of
    the migration owner over the blind indexes that gives what the local check gives, the
    number, state and dates of the cases not destroyed with a subject of this BSN, or of
    this folded surname with this birth date, and nothing of the people. The workstation
    computes the blind indexes under the data key (``app.store.sealed.BlindIndex``, and
    ``PairIndex``: one index over the surname and the birth date, in front of the sealed
    surname key); the server compares their first 32 bytes, as the store's own equality
    does. Idempotent: run again by ``upgrade`` (after the tables' grants), which also drops
    the function of the per-column indexes (surname and birth date apart, before 0018)."""
    s = ident(schema)
    fn = f"{s}.{ident(ALREADY_KNOWN_FUNCTION)}"
    signature = f"{fn}(bytea, bytea, text)"
    readers = ", ".join(group_role(r, prefix) for r in roles_holding(_REGISTER))
    index = "substring({} from 1 for 32)"
    return [
        f"DROP FUNCTION IF EXISTS {fn}(bytea, bytea, bytea, text)",
        f"""CREATE OR REPLACE FUNCTION {fn}(bsn_index bytea, surname_birth_index bytea,
    exclude_number text)
RETURNS TABLE (number varchar, state varchar, received date, closed_at timestamp)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
  SELECT DISTINCT c.number, c.state, c.received, c.closed_at
    FROM {s}.cases c JOIN {s}.subjects s ON s.case_id = c.id
   WHERE ((bsn_index IS NOT NULL AND {index.format("s.bsn")} = bsn_index)
          OR (surname_birth_index IS NOT NULL
              AND {index.format("s.surname_key")} = surname_birth_index))
     AND c.state <> 'destroyed'
     AND (exclude_number IS NULL OR c.number <> exclude_number)
   ORDER BY c.received DESC, c.number DESC
$f$""",
        f"ALTER FUNCTION {signature} OWNER TO {owner_role(prefix)}",
        f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {signature} TO {readers}",
    ]


#: The server's facts for a referral's receipt (``app.store.receipts.counts`` calls it
#: there).
RECEIPT_FACTS_FUNCTION = "casuskamer_receipt_facts"
_RECEIPT_TABLES = ("cases", "subjects", "life_domain_problems", "information_items",
                   "subject_informing")
#: What a sealed value of no text takes on the server (``app.store.field_crypto``: version
#: byte, nonce, tag; the ciphertext is as long as the text): a longer one holds some text.
SEALED_EMPTY_BYTES = 1 + NONCE_BYTES + TAG_BYTES


def receipt_facts_statements(prefix: str = PREFIX, schema: str = "public") -> list[str]:
    """The receipt of a referral on the house server for who registers referrals
    (``REGISTER_REFERRAL``: the information centre makes it, ``app.services.
    referral_receipts``) without reading the substance: a SECURITY DEFINER function of the
    migration owner that answers, for one case, whether the referral named a contact
    person, a reason and a question (a sealed value longer than an empty one), and how many
    subjects, life domains, information items (of which supplied by the given party) and
    recorded informings it holds; no text, no name, no date of the people. Idempotent: run
    again by ``upgrade`` (after the tables' grants)."""
    s = ident(schema)
    fn = f"{s}.{ident(RECEIPT_FACTS_FUNCTION)}"
    signature = f"{fn}(integer, integer)"
    readers = ", ".join(group_role(r, prefix)
                        for r in roles_holding(_p(Permission.REGISTER_REFERRAL)))

    def given(column: str) -> str:
        return f"coalesce(octet_length(c.{ident(column)}), 0) > {int(SEALED_EMPTY_BYTES)}"

    return [
        f"""CREATE OR REPLACE FUNCTION {fn}(wanted_case integer, party integer)
RETURNS TABLE (contact_given boolean, reason_given boolean, question_given boolean,
    subjects integer, life_domains integer, items integer, own_items integer,
    informing integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
  SELECT {given("referring_contact")}, {given("reason")}, {given("question")},
    (SELECT count(*)::integer FROM {s}.subjects s WHERE s.case_id = c.id),
    (SELECT count(*)::integer FROM {s}.life_domain_problems l WHERE l.case_id = c.id),
    (SELECT count(*)::integer FROM {s}.information_items i WHERE i.case_id = c.id),
    (SELECT count(*)::integer FROM {s}.information_items i
      WHERE i.case_id = c.id AND i.source_party_id = party),
    (SELECT count(*)::integer FROM {s}.subject_informing f
       JOIN {s}.subjects s ON s.id = f.subject_id
      WHERE f.case_id = c.id AND s.case_id = c.id)
    FROM {s}.cases c WHERE c.id = wanted_case
$f$""",
        f"ALTER FUNCTION {signature} OWNER TO {owner_role(prefix)}",
        f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {signature} TO {readers}",
    ]


def register_columns(table: Table, grant: TableGrant) -> str:
    """`` (a, b)``: the columns of ``table`` a reader without the substance may select."""
    unknown = set(grant.substance_columns + grant.register_only) - set(table.c.keys())
    if unknown:
        raise KeyError(f"{table.name}: no column {sorted(unknown)}")
    names = [c.name for c in table.c if c.name not in grant.substance_columns
             and (not grant.register_only or c.name in grant.register_only)]
    return " (" + ", ".join(ident(n) for n in names) + ")"


def _columns(table: Table, grant: TableGrant, privilege: str) -> str:
    """`` (a, b)`` when ``grant`` gives ``privilege`` on some columns only, else ``""``."""
    if privilege != "UPDATE" or not grant.update_all_but:
        return ""
    names = [c.name for c in table.c if c.name not in grant.update_all_but]
    return " (" + ", ".join(ident(n) for n in names) + ")"


def _serial_sequence(table: Table) -> str | None:
    """The sequence PostgreSQL makes for a SERIAL primary key (``<table>_<column>_seq``)."""
    column = table.autoincrement_column
    return f"{table.name}_{column.name}_seq" if column is not None else None


def login_role_statements(name: str, role: Role, verifier: str,
                          prefix: str = PREFIX) -> list[str]:
    """An account's own LOGIN role, in its program role's group, with the SCRAM verifier the
    workstation computed (the server never gets the secret itself)."""
    if not _VERIFIER.match(verifier):
        raise ValueError("not a SCRAM-SHA-256 verifier")
    return [f"CREATE ROLE {ident(name)} LOGIN PASSWORD '{verifier}'",
            f"GRANT {group_role(role, prefix)} TO {ident(name)}"]


def session_policy_statements(key_slots_table: str, prefix: str = PREFIX,
                              schema: str = "public") -> list[str]:
    """Row-level security for what every account's own session needs, and no more (run by
    the owner after :func:`grant_statements`, once ``key_slots_table`` exists):

    - ``accounts``: every role reads its own row (the unlock checks it is not revoked); who
      manages accounts reads and writes them all;
    - ``audit_log``: every role reads the rows about its own account (the unlock asks whether
      an administrator set the passphrase); who may read the disclosure log (``VIEW_CASES``)
      reads the rows of :data:`DISCLOSURE_ACTIONS` about cases (any result: a refused
      handout is in the log too); who is told of changes to the accounts (``CASE_SUBSTANCE``
      or ``MANAGE_ACCOUNTS``) reads the rows of :data:`ACCOUNT_NOTICE_ACTIONS`; who reads the
      audit log reads all of it;
    - ``drafts``: every account reads and writes its own drafts; who does the case work
      (``CASE_WORK``) all of them;
    - ``meta``: every role reads it but :data:`FINGERPRINT_KEY` and moves the audit chain's
      head (each action's audit row does) and the forwarding position
      (:data:`FORWARD_POSITION`); who works with the substance (``CASE_SUBSTANCE``)
      reads and inserts :data:`FINGERPRINT_KEY` only; who manages the settings writes every
      key.

    "Own" is the account whose key slot belongs to the logged-in role (``current_user``)."""
    s = ident(schema)
    slots = ident(key_slots_table)
    everyone = ", ".join(group_role(role, prefix) for role in Role)
    own = f"(SELECT k.account FROM {s}.{slots} k WHERE k.login_role = current_user)"
    managers = ", ".join(group_role(r, prefix) for r in roles_holding(_ACCOUNTS))
    auditors = ", ".join(group_role(r, prefix) for r in roles_holding(_p(Permission.READ_AUDIT)))
    settings = ", ".join(group_role(r, prefix) for r in roles_holding(_SETTINGS))
    disclosure_readers = ", ".join(group_role(r, prefix)
                                   for r in roles_holding(_p(Permission.VIEW_CASES)))
    if not all(_ACTION.match(action) for action in DISCLOSURE_ACTIONS + ACCOUNT_NOTICE_ACTIONS):
        raise ValueError("not a plain audit action")
    actions = ", ".join(f"'{action}'" for action in DISCLOSURE_ACTIONS)
    notices = ", ".join(f"'{action}'" for action in ACCOUNT_NOTICE_ACTIONS)
    told = ", ".join(group_role(r, prefix) for r in roles_holding(_SUBSTANCE | _ACCOUNTS))
    substance = ", ".join(group_role(r, prefix) for r in roles_holding(_SUBSTANCE))
    case_work = ", ".join(group_role(r, prefix) for r in roles_holding(_WORK))
    fingerprint = f"key = '{ident(FINGERPRINT_KEY)}'"
    return [
        f"ALTER TABLE {s}.accounts ENABLE ROW LEVEL SECURITY",
        f"GRANT SELECT ON TABLE {s}.accounts TO {everyone}",
        f"CREATE POLICY own_account ON {s}.accounts FOR SELECT USING (name = {own})",
        f"CREATE POLICY manage_accounts ON {s}.accounts TO {managers} USING (true)",
        f"ALTER TABLE {s}.{AUDIT_TABLE} ENABLE ROW LEVEL SECURITY",
        f"GRANT SELECT ON TABLE {s}.{AUDIT_TABLE} TO {everyone}",
        f"CREATE POLICY own_account_rows ON {s}.{AUDIT_TABLE} FOR SELECT "
        f"USING (object_type = 'account' AND object_id = {own})",
        f"CREATE POLICY case_disclosures ON {s}.{AUDIT_TABLE} FOR SELECT "
        f"TO {disclosure_readers} "
        f"USING (object_type = 'case' AND action IN ({actions}))",
        f"CREATE POLICY account_notices ON {s}.{AUDIT_TABLE} FOR SELECT TO {told} "
        f"USING (object_type = 'account' AND action IN ({notices}))",
        f"CREATE POLICY read_audit ON {s}.{AUDIT_TABLE} FOR SELECT TO {auditors} USING (true)",
        f"CREATE POLICY append_audit ON {s}.{AUDIT_TABLE} FOR INSERT WITH CHECK (true)",
        f"ALTER TABLE {s}.meta ENABLE ROW LEVEL SECURITY",
        f"GRANT UPDATE ON TABLE {s}.meta TO {everyone}",
        f"GRANT INSERT ON TABLE {s}.meta TO {substance}",
        f"CREATE POLICY read_meta ON {s}.meta FOR SELECT USING (NOT ({fingerprint}))",
        f"CREATE POLICY read_fingerprint_key ON {s}.meta FOR SELECT TO {substance} "
        f"USING ({fingerprint})",
        f"CREATE POLICY make_fingerprint_key ON {s}.meta FOR INSERT TO {substance} "
        f"WITH CHECK ({fingerprint})",
        f"CREATE POLICY make_search_key ON {s}.meta FOR INSERT "
        f"WITH CHECK (key = '{ident(SEARCH_KEY)}')",
        f"CREATE POLICY audit_head ON {s}.meta FOR UPDATE USING (key = 'audit_head') "
        "WITH CHECK (key = 'audit_head')",
        # forwarding to the central log: every role's audit row moves the queue's counter,
        # every role's session may send the queue and move the delivered head
        f"CREATE POLICY forward_position ON {s}.meta FOR UPDATE USING (key IN "
        f"({FORWARD_POSITION})) WITH CHECK (key IN ({FORWARD_POSITION}))",
        f"CREATE POLICY manage_settings ON {s}.meta TO {settings} USING (true)",
        # drafts: each account its own; who does the case work all of them (closure and
        # destruction remove every account's drafts about the case)
        f"ALTER TABLE {s}.drafts ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY own_drafts ON {s}.drafts USING (owner = {own}) "
        f"WITH CHECK (owner = {own})",
        f"CREATE POLICY case_work_drafts ON {s}.drafts TO {case_work} USING (true)",
    ]
