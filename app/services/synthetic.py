"""Synthetic referrals: made-up but realistic cases for the demo vault, the benchmarks and
the tests. Every person in them is invented; their BSNs pass the eleven-test (so that they
look real to the program) but are drawn at random.

- :func:`generate_referrals` -> ``list[dict]`` in the import format (``casuskamer-referrals/1``),
  deterministic for a given seed, with Dutch and multicultural names (Turkish, Moroccan,
  Surinamese, Polish, Vietnamese, Somali, Arabic script, ...).
- :func:`bulk_insert_cases` stores many referrals at once (checked with the import's rules,
  then ``executemany`` in one transaction, through ``app.store.demo_rows``).
- :func:`fill_demo` is what ``casuskamer demo`` calls.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

from app.domain.bsn import eleven_test_check_digit
from app.domain.cases import SubjectRole, display_name, fold_for_search, format_case_number
from app.domain.criteria import CRITERIA
from app.domain.intake import FieldError, Referral
from app.errors import ValidationError
from app.domain.life_domains import LifeDomain
from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.domain.roles import Permission, may
from app.domain.standing import PartyStanding
from app.domain.text_rules import check_identifying
from app.i18n import _
from app.services import cases as case_store
from app.services.cases import compact_search_key
from app.services import parties as party_service
from app.services.referral_import import FORMAT, ImportRefused, parse_referrals
from app.store import cases as case_repo
from app.store.demo_rows import insert_tuples, sql_value
from app.store.case_tables import (
    case_search,
    cases,
    criteria_answers,
    information_items,
    item_shared_with,
    life_domain_problems,
    subjects,
)
from app.store.personal import personal_columns
from sqlalchemy import Connection
from app.vault.vault import OpenVault, utcnow
from app.vault.access import entry_point

T = TypeVar("T")

# (given names of men, of women, surnames) per background; weights below.
_NAMES: dict[str, tuple[Sequence[str], Sequence[str], Sequence[str]]] = {
    "dutch": (
        ("Jan", "Pieter", "Kees", "Dirk", "Sander", "Bram", "Thijs", "Ruud", "Wouter",
         "Jeroen", "Daan", "Sem", "Lucas", "Finn", "Gerrit", "Henk", "Johannes Petrus"),
        ("Anna", "Maria", "Sanne", "Femke", "Lotte", "Inge", "Marieke", "Anouk", "Eva",
         "Julia", "Tess", "Noor", "Wilhelmina", "Ilse", "Joke", "Geertruida Johanna"),
        ("de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer",
         "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Dijk",
         "van der Linden", "Kok", "Verhoeven", "van 't Hof", "Brouwer", "de Jong")),
    "turkish": (
        ("Şükrü", "Mehmet", "Mustafa", "Ahmet", "Emre", "Burak", "Yusuf", "Hüseyin"),
        ("Ayşe", "Fatma", "Zeynep", "Elif", "Özlem", "Gülşen", "Büşra", "Hatice"),
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın", "Doğan",
         "Kılıç", "Arslan")),
    "moroccan": (
        ("Mohamed", "Youssef", "Said", "Karim", "Rachid", "Bilal", "Anouar", "Mounir"),
        ("Fatima", "Khadija", "Naima", "Samira", "Soumaya", "Hafsa", "Ikram", "Malika"),
        ("El Amrani", "Bouzid", "Ouali", "El Idrissi", "Benali", "Azzouzi", "Tahiri",
         "El Khatib", "Haddouch")),
    "surinamese": (
        ("Ricardo", "Marvin", "Romano", "Dwight", "Rajesh", "Sunil", "Iwan", "Glenn"),
        ("Shanti", "Chandra", "Priya", "Sharon", "Gracia", "Naomi", "Reshma", "Ingrid"),
        ("Ramdin", "Sewdien", "Kromodikoro", "Biharie", "Pinas", "Doelwijt", "Tjon A Fong",
         "Sitaldin", "Wongsodikromo")),
    "polish": (
        ("Łukasz", "Paweł", "Krzysztof", "Wojciech", "Michał", "Tomasz", "Grzegorz"),
        ("Agnieszka", "Małgorzata", "Katarzyna", "Joanna", "Zofia", "Dorota"),
        ("Wiśniewski", "Kowalczyk", "Wójcik", "Kamiński", "Lewandowski", "Zieliński",
         "Szymański", "Dąbrowski")),
    "vietnamese": (
        ("Văn Minh", "Đức Anh", "Quốc Bảo", "Hữu Phước"),
        ("Thị Minh Khai", "Thị Lan", "Ngọc Ánh", "Thu Trang"),
        ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ")),
    "somali": (
        ("Abdirahman", "Mohamed Abdi", "Hassan", "Abdullahi"),
        ("Hodan", "Fadumo", "Amina", "Sahra", "Nasra"),
        ("Warsame", "Farah", "Jama", "Hirsi", "Mohamud")),
    "arabic": (
        ("محمد", "أحمد", "يوسف", "عمر"),
        ("فاطمة", "مريم", "ليلى", "سارة"),
        ("الحسيني", "العلي", "الخطيب", "حداد")),
}
_WEIGHTS = {"dutch": 50, "turkish": 10, "moroccan": 12, "surinamese": 9, "polish": 7,
            "vietnamese": 3, "somali": 4, "arabic": 5}

_STREETS = ("Laan van Meerdervoort", "Hoefkade", "Weimarstraat", "Zuiderparklaan",
            "Lijnbaan", "Heeswijkplein", "Loosduinseweg", "Oude Delft", "Herenstraat",
            "Prinsegracht", "Koningin Julianaplein", "Ambachtsweg")
_PLACES = (("2511", "Den Haag"), ("2525", "Den Haag"), ("2611", "Delft"),
           ("2283", "Rijswijk"), ("2711", "Zoetermeer"), ("2671", "Naaldwijk"),
           ("2262", "Leidschendam"))

_PROBLEMS: dict[LifeDomain, Sequence[str]] = {
    LifeDomain.HOUSING: ("Huurachterstand van vier maanden; ontruiming is aangezegd.",
                         "Woont tijdelijk in bij familie, geen eigen woonruimte.",
                         "Meerdere meldingen van woonoverlast door buren."),
    LifeDomain.FINANCES: ("Problematische schulden, meerdere deurwaarders actief.",
                          "Geen inkomen sinds stopzetting van de uitkering.",
                          "Beschermingsbewind is aangevraagd maar nog niet uitgesproken."),
    LifeDomain.PHYSICAL_HEALTH: ("Chronische aandoening, medicatie wordt niet ingenomen.",
                                 "Zorgmijdend; huisarts heeft geen contact."),
    LifeDomain.MENTAL_HEALTH: ("Vermoedelijk psychotische klachten, geen behandeling.",
                               "Eerdere crisisopname; ambulante zorg afgebroken.",
                               "Ernstige depressieve klachten, suïcidale uitingen."),
    LifeDomain.ADDICTION: ("Dagelijks cannabisgebruik, ook in bijzijn van de kinderen.",
                           "Alcoholproblematiek, eerdere behandeling afgebroken."),
    LifeDomain.JUSTICE: ("Verdacht van meerdere winkeldiefstallen het afgelopen jaar.",
                         "Lopend toezicht reclassering; bijzondere voorwaarden geschonden.",
                         "Contactverbod opgelegd na huiselijk geweld."),
    LifeDomain.WORK: ("Geen werk of dagbesteding; schooluitval op zestienjarige leeftijd.",
                      "Ontslagen na conflicten op het werk."),
    LifeDomain.SOCIAL_NETWORK: ("Klein netwerk, contact met familie verbroken.",
                                "Omgang met een groep jongeren die overlast veroorzaakt."),
    LifeDomain.PARENTING: ("Zorgen over de opvoeding; school meldt veel verzuim.",
                           "Ondertoezichtstelling van de jongste twee kinderen loopt."),
    LifeDomain.SAFETY: ("Meerdere meldingen van huiselijk geweld bij Veilig Thuis.",
                        "Dreiging richting buurtbewoners; politie is meermaals ingezet."),
}
_REASONS = (("Meerdere partijen maken zich zorgen over het gezin; de aanpak van de "
             "afzonderlijke organisaties werkt onvoldoende."),
            ("Escalerende overlast in de buurt in combinatie met zorgen over psychische "
             "gezondheid en schulden."),
            "Na detentie dreigt terugval; huisvesting, inkomen en zorg ontbreken.",
            "Zorgen over radicaliserende uitingen en een afnemend sociaal netwerk.",
            "Jeugdige met herhaald delictgedrag en zorgen over de thuissituatie.")
_QUESTIONS = ("Komen tot één gezamenlijk plan van aanpak met een vaste casuscoördinator.",
              "Afstemmen van zorg en straf zodat de interventies elkaar versterken.",
              "Bepalen wie welke rol heeft en hoe de veiligheid van de kinderen wordt geborgd.",
              "Een sluitende aanpak rond huisvesting en begeleiding na detentie.")
_ITEMS = ("Betrokkene is het afgelopen halfjaar vier keer aangehouden.",
          "Bij huisbezoek werden signalen van verwaarlozing gezien.",
          "Behandeling is gestopt op verzoek van betrokkene; diagnose bekend bij de GGZ.",
          "Er loopt een strafzaak; zitting is gepland.",
          "Schuldhulpverlening is gestart maar betrokkene komt afspraken niet na.")

#: Party names of the seeded register (``resources/parties.json``) that make plausible
#: referrers and sources.
DEFAULT_PARTIES = ("Den Haag", "Delft", "Rijswijk", "Zoetermeer", "Westland",
                   "Politie regionale eenheid Den Haag", "Openbaar Ministerie",
                   "Reclassering Nederland", "Parnassia Groep", "GGZ Delfland",
                   "Veilig Thuis", "Raad voor de kinderbescherming",
                   "Stichting Jeugdbescherming west Haaglanden", "GGD Haaglanden")


def random_bsn(rng: random.Random) -> str:
    """A nine-digit number that passes the eleven-test (made up, never looked up)."""
    while True:
        first = f"{rng.randint(10_000_000, 99_999_999)}"
        digit = eleven_test_check_digit(first)
        if digit is not None:
            return first + digit


def _person(rng: random.Random, background: str, female: bool, surname: str | None
            ) -> tuple[str, str]:
    men, women, surnames = _NAMES[background]
    return rng.choice(women if female else men), surname or rng.choice(surnames)


def _birth(rng: random.Random, received: date, min_age: int, max_age: int) -> date:
    days = rng.randint(min_age * 365 + 1, max_age * 365)
    return received - timedelta(days=days)


def generate_referrals(n: int, seed: int = 2019, *,
                       parties: Sequence[str] = DEFAULT_PARTIES,
                       protocols: Sequence[Protocol] = (Protocol.INTEGRALE_VEILIGHEID,),
                       today: date | None = None, start: date = date(2019, 1, 1),
                       ref_prefix: str = "SYN") -> list[dict[str, Any]]:
    """``n`` synthetic referrals in the import format (the ``referrals`` list of a file).

    The same ``n`` and ``seed`` give the same referrals. ``parties`` must be register names
    that take part in ``protocols`` from ``start``; received dates lie between ``start`` and
    ``today``.
    """
    return list(iter_referrals(n, seed, parties=parties, protocols=protocols, today=today,
                               start=start, ref_prefix=ref_prefix))


def iter_referrals(n: int, seed: int = 2019, *,
                   parties: Sequence[str] | Mapping[Protocol, Sequence[str]] = DEFAULT_PARTIES,
                   protocols: Sequence[Protocol] = (Protocol.INTEGRALE_VEILIGHEID,),
                   today: date | None = None, start: date = date(2019, 1, 1),
                   ref_prefix: str = "SYN") -> Iterator[dict[str, Any]]:
    """:func:`generate_referrals` one at a time (the same referrals for the same seed), so
    that 100,000 of them never sit in memory at once. ``parties`` may also map each protocol
    to the parties that take part in it."""
    rng = random.Random(seed)
    by_protocol = parties if isinstance(parties, Mapping) else None
    today = today or date.today()
    span = max((today - start).days, 1)
    backgrounds = list(_WEIGHTS)
    weights = [_WEIGHTS[b] for b in backgrounds]
    for i in range(n):
        protocol = rng.choice(list(protocols)) if by_protocol is not None else None
        choices: Sequence[str] = (by_protocol[protocol] if by_protocol is not None
                                  and protocol is not None else parties)  # type: ignore[assignment]
        received = start + timedelta(days=rng.randrange(span))
        background = rng.choices(backgrounds, weights)[0]
        female = rng.random() < 0.4
        given, surname = _person(rng, background, female, None)
        street = rng.choice(_STREETS)
        postcode, place = rng.choice(_PLACES)
        address = (f"{street} {rng.randint(1, 400)}, {postcode} "
                   f"{''.join(rng.choice('ABCDEFGHJKLMNPRSTVWXZ') for _i in range(2))} {place}")
        people: list[dict[str, Any]] = [{"given_names": given, "surname": surname,
                   "birth_date": _birth(rng, received, 16, 70).isoformat(),
                   "bsn": random_bsn(rng), "address": address, "role": "main_subject"}]
        if rng.random() < 0.45:
            p_given, p_surname = _person(rng, background, not female, None)
            people.append({"given_names": p_given, "surname": p_surname,
                           "birth_date": _birth(rng, received, 18, 70).isoformat(),
                           "bsn": random_bsn(rng) if rng.random() < 0.8 else None,
                           "address": address, "role": "partner"})
        for _child in range(rng.choice((0, 0, 1, 2, 3))):
            c_given, _unused = _person(rng, background, rng.random() < 0.5, surname)
            people.append({"given_names": c_given, "surname": surname,
                           "birth_date": _birth(rng, received, 1, 17).isoformat(),
                           "bsn": random_bsn(rng), "address": address, "role": "child"})
        if rng.random() < 0.1:
            g_given, _unused = _person(rng, background, True, surname)
            people.append({"given_names": g_given, "surname": surname,
                           "birth_date": _birth(rng, received, 45, 90).isoformat(),
                           "role": "parent"})
        domains = rng.sample(list(_PROBLEMS), rng.randint(2, 5))
        referrer = rng.choice(choices)
        items = []
        for _item in range(rng.choice((0, 1, 1, 2))):
            source = rng.choice(choices)
            items.append({
                "source_party": source,
                "received": (received - timedelta(days=rng.randint(0, 14))
                             if received - timedelta(days=14) >= start else received
                             ).isoformat(),
                "category": rng.choice(("general", "general", "police", "judicial",
                                        "special")),
                "text": rng.choice(_ITEMS),
                "shared_with": sorted(set(rng.sample(list(choices), rng.randint(0, 3)))
                                      - {source}),
                "pre_meeting_view": rng.random() < 0.5,
                "meeting_screen": rng.random() < 0.3,
                "use_restriction": rng.choice(("", "", "Niet delen met derden.",
                                               "Alleen mondeling toelichten.")),
            })
        yield {
            "external_ref": f"{ref_prefix}-{seed}-{i:06d}",
            "referring_party": referrer,
            "protocol": (protocol or rng.choice(list(protocols))).value,
            "received": received.isoformat(),
            "reason": rng.choice(_REASONS),
            "question": rng.choice(_QUESTIONS),
            "life_domains": {d.value: rng.choice(_PROBLEMS[d]) for d in domains},
            "subjects": people,
            "information": items,
        }


def referral_file(referrals: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A whole import file around ``referrals``."""
    return {"format": FORMAT, "referrals": list(referrals)}


def _dt(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0))


@entry_point
def bulk_insert_cases(vault: OpenVault, referrals: Sequence[Mapping[str, Any]], *,
                      states: Sequence[CaseState] | None = None, today: date | None = None,
                      seed: int = 0,
                      overrides: Sequence[Mapping[str, Any] | None] | None = None
                      ) -> list[str]:
    """Store many referrals (import format) as cases in one transaction; returns numbers.

    The referrals are checked with the import's rules first (all or nothing). ``states``
    (one per referral; default all ``referred``) lets the demo put cases further along:
    ``intake``, ``triage`` and ``declined`` get the matching decision fields and criteria
    answers. Rows are written with ``executemany``; one audit row records the batch.
    Allowed to roles that register referrals, and to the administrator (who fills demo and
    benchmark vaults, but cannot read the cases afterwards).

    ``overrides`` (one per referral, for the demo's activity) sets columns of the ``cases``
    row after the intake fields are filled (a later state, its dates, the outcome); with
    ``"_destroyed": True`` the case is written as its retention left it (the tombstone
    fields only, no subjects, texts or items), and with ``"_closed": True`` as closing
    left it (information items and life-domain texts removed, addresses and BSNs emptied).
    """
    _may_bulk_insert(vault)
    if not referrals:
        return []
    today = today or date.today()
    names = {p.name: p.id for p in party_service.list_parties(vault)}
    parsed = parse_referrals(referral_file(referrals), parties_by_name=names,
                             standings=party_service.standings(vault), today=today)
    return _insert_parsed(vault, parsed, states=states, today=today, seed=seed,
                          overrides=overrides)


@dataclass(frozen=True)
class CheckedChunk:
    """Referrals in the import format and what the import's rules made of them
    (``parse_referrals``, position for position): only :func:`checked_chunks` makes one."""

    referrals: list[dict[str, Any]]
    parsed: list[Referral]

    def without(self, refs: Collection[str]) -> CheckedChunk:
        """The chunk without the referrals whose external reference is in ``refs``."""
        if not refs:
            return self
        keep = [i for i, r in enumerate(self.referrals) if r["external_ref"] not in refs]
        return CheckedChunk([self.referrals[i] for i in keep], [self.parsed[i] for i in keep])


class Outline(NamedTuple):
    """What the demo's activity reads of a referral as its file gave it."""

    protocol: str
    received: str
    life_domains: tuple[str, ...]
    information: int
    subjects: int


class Prepared(NamedTuple):
    """One checked referral as the vault stores it, as far as that does not depend on the
    vault (the case's id, number and state are added when it is written): stored values
    only (dates as ISO text), so that the demo's second process makes them and hands them
    over cheaply. Made by :func:`prepare` only."""

    external_ref: str | None
    protocol: str
    referring_party_id: int
    received: date
    reason: str
    question: str
    #: per subject, the ``subjects`` columns after ``case_id``: position, given names,
    #: surname, surname key, name key, birth date, BSN, address, role
    subjects: tuple[tuple[Any, ...], ...]
    main_subject: str
    #: the Cases table's search key without the case number, and the same without the BSNs
    #: (a closed case's: closing removed them)
    search_key: str
    search_key_closed: str
    domains: tuple[tuple[str, str], ...]
    #: per item: source party, received, category, text, pre-meeting view, meeting screen,
    #: use restriction, and the parties it is shared with (sorted)
    items: tuple[tuple[Any, ...], ...]


def prepare(referral: Referral, folded: dict[str, str] | None = None) -> Prepared:
    """The vault-independent rows of a checked referral: the values the program's
    ``app.services.cases.subject_values`` and ``search_values`` give (a test holds them
    alike), each name folded once. ``folded`` keeps the folded names across the calls of
    one chunk (the made-up names repeat); plain Python, no vault."""
    memo: dict[str, str] = {} if folded is None else folded

    def fold(text: str) -> str:
        found = memo.get(text)
        if found is None:
            found = memo[text] = fold_for_search(text)
        return found

    subjects = []
    parts: list[str] = []
    parts_closed: list[str] = []
    for position, subject in enumerate(referral.subjects):
        given, surname = " ".join(subject.given_names.split()), " ".join(subject.surname.split())
        # every subject written passes here: the character rule holds whatever path built it
        for name, value in (("given_names", given), ("surname", surname),
                            ("address", subject.address or ""), ("bsn", subject.bsn or "")):
            check_identifying(value, f"subjects[{position}].{name}")
        name_key = fold(f"{given} {surname}")
        subjects.append((position, given, surname, fold(surname), name_key,
                         subject.birth_date.isoformat(), subject.bsn, subject.address,
                         subject.role.value))
        words = (name_key, fold(f"{surname} {given}"))
        parts.extend(words)
        parts_closed.extend(words)
        if subject.bsn:
            parts.append(subject.bsn)
    main = next((s for s in referral.subjects if s.role is SubjectRole.MAIN_SUBJECT),
                referral.subjects[0] if referral.subjects else None)
    items = []
    for item in referral.information:
        # In the made-up world every source party has confirmed the terms asked.
        terms = item.asked_terms or item.terms
        items.append((item.source_party_id, item.received.isoformat(), item.category.value,
                      item.text, int(terms.pre_meeting_view), int(terms.meeting_screen),
                      terms.use_restriction, tuple(sorted(terms.shared_with))))
    return Prepared(referral.external_ref, referral.protocol.value,
                    referral.referring_party_id, referral.received, referral.reason,
                    referral.question, tuple(subjects),
                    display_name(main.given_names, main.surname) if main else "",
                    compact_search_key(" ".join(parts)),
                    compact_search_key(" ".join(parts_closed)),
                    tuple((d.value, text) for d, text in referral.life_domains.items()),
                    tuple(items))


@dataclass(frozen=True)
class PreparedChunk:
    """A checked chunk as the demo writes it: per referral its :class:`Outline` and its
    :class:`Prepared` rows (made by :func:`prepared_chunks`, in the demo's second process)."""

    outlines: list[Outline]
    prepared: list[Prepared]

    def without(self, refs: Collection[str]) -> PreparedChunk:
        """The chunk without the referrals whose external reference is in ``refs``."""
        if not refs:
            return self
        keep = [i for i, p in enumerate(self.prepared) if p.external_ref not in refs]
        return PreparedChunk([self.outlines[i] for i in keep],
                             [self.prepared[i] for i in keep])


def checked_chunks(referrals: Iterable[dict[str, Any]], size: int, *,
                   parties_by_name: Mapping[str, int],
                   standings: Mapping[int, PartyStanding],
                   today: date) -> Iterator[CheckedChunk]:
    """``referrals`` in chunks of ``size``, each checked with the import's rules (all or
    nothing: ``ImportRefused``) against the register as ``parties_by_name`` and
    ``standings`` give it. Plain Python, no vault: the demo runs it in a second process
    (``app.services.demo_producer``) while the first one writes."""
    for part in chunked(referrals, size):
        parsed = parse_referrals(referral_file(part), parties_by_name=parties_by_name,
                                 standings=standings, today=today)
        yield CheckedChunk(part, parsed)


def prepared_chunks(referrals: Iterable[dict[str, Any]], size: int, *,
                    parties_by_name: Mapping[str, int],
                    standings: Mapping[int, PartyStanding],
                    today: date) -> Iterator[PreparedChunk]:
    """:func:`checked_chunks`, each chunk with its rows prepared (:func:`prepare`): what the
    demo's second process hands to the first, which then only numbers and writes them."""
    for chunk in checked_chunks(referrals, size, parties_by_name=parties_by_name,
                                standings=standings, today=today):
        folded: dict[str, str] = {}
        yield PreparedChunk(
            [Outline(r["protocol"], r["received"], tuple(r["life_domains"]),
                     len(r["information"]), len(r["subjects"])) for r in chunk.referrals],
            [prepare(referral, folded) for referral in chunk.parsed])


@entry_point
def bulk_insert_checked(vault: OpenVault, chunk: CheckedChunk | PreparedChunk | CaseRows, *,
                        states: Sequence[CaseState], today: date, seed: int = 0,
                        overrides: Sequence[Mapping[str, Any] | None] | None = None
                        ) -> list[str]:
    """:func:`bulk_insert_cases` for referrals :func:`checked_chunks` already checked
    against this vault's register (the demo checks them, and prepares their rows, in a
    second process: :func:`prepared_chunks`), or for their rows already built
    (:class:`CaseRows`, for a new demo vault, whose next ids the builder knew: checked
    here against the vault before they are written; ``states`` and ``overrides`` are then
    in the rows already)."""
    _may_bulk_insert(vault)
    if isinstance(chunk, CaseRows):
        return _write_built(vault, chunk)
    folded: dict[str, str] = {}
    prepared = (chunk.prepared if isinstance(chunk, PreparedChunk)
                else [prepare(referral, folded) for referral in chunk.parsed])
    if not prepared:
        return []
    return _insert_prepared(vault, prepared, states=states, today=today, seed=seed,
                            overrides=overrides)


def _may_bulk_insert(vault: OpenVault) -> None:
    # Registering referrals, or an administrator filling a demo or benchmark vault.
    if not may(vault.actor.role, Permission.MANAGE_SETTINGS):
        vault.require(Permission.REGISTER_REFERRAL, "case", "-")


def _insert_parsed(vault: OpenVault, parsed: Sequence[Referral], *,
                   states: Sequence[CaseState] | None, today: date, seed: int,
                   overrides: Sequence[Mapping[str, Any] | None] | None) -> list[str]:
    folded: dict[str, str] = {}
    return _insert_prepared(vault, [prepare(referral, folded) for referral in parsed],
                            states=states, today=today, seed=seed, overrides=overrides)


def _insert_prepared(vault: OpenVault, prepared: Sequence[Prepared], *,
                     states: Sequence[CaseState] | None, today: date, seed: int,
                     overrides: Sequence[Mapping[str, Any] | None] | None) -> list[str]:
    party_types = {p.id: p.party_type.value for p in party_service.list_parties(vault)}
    with vault.begin() as conn:
        _refuse_known(conn, prepared)
        last_case, last_item = case_repo.highest_ids(conn)
        rows = case_rows(prepared, states=states, overrides=overrides, today=today, seed=seed,
                         account=vault.actor.account, party_types=party_types,
                         next_case=last_case + 1, next_item=last_item + 1,
                         sequence=lambda year: case_repo.highest_sequence(conn, year))
        _write_case_rows(vault, conn, rows)
    return rows.numbers


def _refuse_known(conn: Connection, prepared: Sequence[Prepared]) -> None:
    known = case_store.known_external_refs(
        conn, [r.external_ref for r in prepared if r.external_ref])
    if known:
        index = next(i for i, r in enumerate(prepared) if r.external_ref in known)
        raise ImportRefused([FieldError(f"referrals[{index}].external_ref",
                                        _("was already imported"))])


def _write_built(vault: OpenVault, rows: CaseRows) -> list[str]:
    """Write rows built beforehand, in one transaction, when the vault still stands where
    their builder assumed (the next case and item ids; numbers and references unique)."""
    with vault.begin() as conn:
        if (case_repo.highest_ids(conn) != (rows.first_case - 1, rows.first_item - 1)
                or case_store.known_external_refs(conn, rows.external_refs)):
            raise ValidationError(_(
                "The vault changed while the demo was writing to it. Make the demo vault "
                "again, in a new folder."))
        _write_case_rows(vault, conn, rows)
    return rows.numbers


@dataclass
class CaseRows:
    """The rows of a chunk of new cases, every value as the vault stores it (sql_value:
    dates as ISO text, booleans as 0 and 1), ready for executemany: made by
    :func:`case_rows` (in the writing process, or in the demo's second process for a new
    demo vault), written by :func:`_write_case_rows`."""

    numbers: list[str]
    first_case: int
    next_case: int
    first_item: int
    next_item: int
    case_columns: list[str]
    cases: list[tuple[Any, ...]]
    subjects: list[tuple[Any, ...]]
    search: list[tuple[Any, ...]]
    domains: list[tuple[Any, ...]]
    answers: list[tuple[Any, ...]]
    items: list[tuple[Any, ...]]
    shared: list[tuple[Any, ...]]
    external_refs: list[str]
    #: the highest number sequence of each year these rows reach
    sequences: dict[int, int]


def case_rows(prepared: Sequence[Prepared], *, states: Sequence[CaseState] | None,
              overrides: Sequence[Mapping[str, Any] | None] | None, today: date, seed: int,
              account: str, party_types: Mapping[int, str], next_case: int, next_item: int,
              sequence: Callable[[int], int]) -> CaseRows:
    """The rows of ``prepared`` as new cases from id ``next_case`` (items from
    ``next_item``), numbered after ``sequence(year)``, the highest number of a year so far.
    Plain Python: no vault."""
    wanted = list(states) if states is not None else [CaseState.REFERRED] * len(prepared)
    rng = random.Random(seed)
    now = sql_value(utcnow())
    first_case, first_item = next_case, next_item
    case_dicts: list[dict[str, Any]] = []
    subject_rows: list[tuple[Any, ...]] = []
    search_rows: list[tuple[Any, ...]] = []
    domain_rows: list[tuple[Any, ...]] = []
    answer_rows: list[tuple[Any, ...]] = []
    item_rows: list[tuple[Any, ...]] = []
    shared_rows: list[tuple[Any, ...]] = []
    numbers: list[str] = []
    seqs: dict[int, int] = {}
    extra = list(overrides) if overrides is not None else [None] * len(prepared)
    for referral, state, override in zip(prepared, wanted, extra):
        year = referral.received.year
        if year not in seqs:
            seqs[year] = sequence(year)
        seqs[year] += 1
        number = format_case_number(year, seqs[year])
        numbers.append(number)
        case_id = next_case
        next_case += 1
        row: dict[str, Any] = {
            "id": case_id, "number": number, "number_year": year,
            "number_seq": seqs[year], "protocol": referral.protocol,
            "state": state.value, "referring_party_id": referral.referring_party_id,
            "referring_party_type": party_types.get(referral.referring_party_id),
            "referring_contact": None, "received": referral.received.isoformat(),
            "reason": referral.reason, "question": referral.question,
            "external_ref": referral.external_ref, "intake_decision": None,
            "intake_decided_by": None, "decline_reason": None, "decline_advice": None,
            "created_at": now, "created_by": account, "updated_at": now,
            "intake_started_at": None, "intake_decided_at": None,
            "triage_done_at": None, "first_meeting_at": None, "closed_at": None,
            "destroyed_at": None, "outcome": None}
        if state is not CaseState.REFERRED:
            started = min(referral.received + timedelta(days=rng.randint(0, 5)), today)
            row["intake_started_at"] = sql_value(_dt(started))
        destroyed = bool(override and override.get("_destroyed"))
        closed = bool(override and override.get("_closed"))
        if state in (CaseState.TRIAGE, CaseState.DECLINED):
            decided = min(referral.received + timedelta(days=rng.randint(2, 14)), today)
            if override and override.get("intake_decided_at"):
                decided = override["intake_decided_at"].date()
            declined = state is CaseState.DECLINED
            answered = sql_value(_dt(decided, 15))
            row.update(intake_decision="declined" if declined else "accepted",
                       intake_decided_by=account, intake_decided_at=answered)
            if declined:
                row.update(decline_reason="Geen meervoudige problematiek; de zorgen "
                                          "liggen op één leefgebied.",
                           decline_advice="Pak de casus op binnen het reguliere "
                                          "zorgnetwerk; meld opnieuw bij escalatie.")
            for criterion in CRITERIA if not destroyed else ():
                met = not declined or criterion is not CRITERIA[-1]
                answer_rows.append((
                    case_id, criterion.value, int(met),
                    "Blijkt uit de aanmelding en de informatie van de partners." if met
                    else "Problemen op één leefgebied.", answered, account))
        if override:
            for key, value in override.items():
                if key[0] != "_":
                    row[key] = (value if value is None or type(value) is str
                                else sql_value(value))
        if destroyed:
            # What retention leaves: the tombstone fields of the row, nothing else.
            row.update(_NO_PERSONAL_CASE_FIELDS)
            case_dicts.append(row)
            continue
        case_dicts.append(row)
        if closed:
            # Closing removed the addresses and BSNs, and with them the BSNs of the
            # case's search row.
            subject_rows.extend((case_id, *s[:6], None, None, s[8])
                                for s in referral.subjects)
            search_rows.append((case_id, referral.main_subject, compact_search_key(
                f"{number.lower()} {referral.search_key_closed}")))
            continue
        subject_rows.extend((case_id, *s) for s in referral.subjects)
        search_rows.append((case_id, referral.main_subject, compact_search_key(
            f"{number.lower()} {referral.search_key}")))
        domain_rows.extend((case_id, domain, text) for domain, text in referral.domains)
        for source, received, category, text, pre, screen, restriction, shared \
                in referral.items:
            item_rows.append((next_item, case_id, source, received, category, text,
                              pre, screen, restriction, now))
            shared_rows.extend((next_item, p) for p in shared)
            next_item += 1
    names = list(case_dicts[0]) if case_dicts else []
    take = itemgetter(*names) if names else None
    return CaseRows(numbers, first_case, next_case, first_item, next_item, names,
                    [take(row) for row in case_dicts] if take else [], subject_rows,
                    search_rows, domain_rows, answer_rows, item_rows, shared_rows,
                    [r.external_ref for r in prepared if r.external_ref], seqs)


def _write_case_rows(vault: OpenVault, conn: Connection, rows: CaseRows) -> None:
    """Insert ``rows`` in the caller's write transaction, with the audit row of the batch."""
    if rows.cases:
        insert_tuples(conn, cases, rows.case_columns, rows.cases)
    for table, columns, found in (
            (subjects, _SUBJECT_COLUMNS, rows.subjects),
            (case_search, ("case_id", "main_subject", "search_key"), rows.search),
            (life_domain_problems, ("case_id", "domain", "description"), rows.domains),
            (criteria_answers, ("case_id", "criterion", "answer", "motivation",
                                "answered_at", "answered_by"), rows.answers),
            (information_items, _ITEM_COLUMNS, rows.items),
            (item_shared_with, ("item_id", "party_id"), rows.shared)):
        insert_tuples(conn, table, columns, found)
    if rows.numbers:
        vault.log(conn, "case.bulk_create", "case", "-", detail={
            "count": len(rows.numbers), "first": rows.numbers[0], "last": rows.numbers[-1]})


_SUBJECT_COLUMNS = ("case_id", "position", "given_names", "surname", "surname_key",
                    "name_key", "birth_date", "bsn", "address", "role")
_ITEM_COLUMNS = ("id", "case_id", "source_party_id", "received", "category", "text",
                 "pre_meeting_view", "meeting_screen", "use_restriction", "created_at")


#: The personal fields of the ``cases`` row that destruction empties (declared next to the
#: table, as ``app.services.retention.PERSONAL_CASE_FIELDS`` reads them).
_PERSONAL_CASE_FIELDS = personal_columns(cases)
_NO_PERSONAL_CASE_FIELDS = dict.fromkeys(_PERSONAL_CASE_FIELDS)


#: How the demo spreads its cases over the intake states (the later states belong to the
#: triage, meeting and plan areas, which add to the demo themselves).
DEMO_STATES = ((CaseState.REFERRED, 25), (CaseState.INTAKE, 15), (CaseState.TRIAGE, 50),
               (CaseState.DECLINED, 10))


@entry_point
def fill_demo(vault: OpenVault, cases: int = 60, seed: int = 2019,
              today: date | None = None, chunk: int = 10_000) -> int:
    """Add ``cases`` synthetic cases to a demo vault; returns how many were added.

    Written ``chunk`` cases per transaction, so that memory stays flat at 100,000 cases.
    On the house server only in a session of a role that works on the cases: the cases made
    before are recognised by their external references, which only those roles' grants
    read (SERVER_NEEDS: @entry_point refuses the others, before the server would).
    """
    today = today or date.today()
    rng = random.Random(seed)
    population = [s for s, _w in DEMO_STATES]
    weights = [w for _s, w in DEMO_STATES]
    added = 0
    for part in chunked(iter_referrals(cases, seed, today=today, ref_prefix="DEMO"), chunk):
        with vault.read() as conn:
            taken = case_store.known_external_refs(conn, [r["external_ref"] for r in part])
        fresh = [r for r in part if r["external_ref"] not in taken]
        states = rng.choices(population, weights, k=len(fresh))
        added += len(bulk_insert_cases(vault, fresh, states=states, today=today, seed=seed))
    return added


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    part: list[T] = []
    for item in items:
        part.append(item)
        if len(part) >= size:
            yield part
            part = []
    if part:
        yield part
