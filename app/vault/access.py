"""The permission matrix at the service boundary: every entry point checks its own row.

``@entry_point`` on a public function of ``app.services.*`` that takes the open vault makes
the function check its action (``module.function``) in the matrix
(``app.domain.roles.ACTIONS``) before anything else, so a new caller (a screen, a command,
a script) cannot skip it. Called with a ``Connection`` instead of the vault (inside another
service's transaction, which checked its own row) the function is not an entry point and
checks nothing. A function decorated without a row in the matrix fails at import.

:func:`check` is the same check for a named action (the command line calls it right after
the unlock with ``casuskamer VERB``). A refusal is audited (``denied``, with the action and
the permissions it needs, never a name) and raises ``PermissionDenied`` with one line.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from app.domain.roles import (ACTIONS, SERVER_NEEDS, SERVER_REFUSAL_DEFAULT, SERVER_REFUSALS,
                              allowed, may)
from app.errors import PermissionDenied
from app.i18n import _
from app.store.sealed import on_server
from app.vault.vault import OpenVault

P = ParamSpec("P")
R = TypeVar("R")

#: The parameter that names the object of a refused call in its audit row, in order of
#: preference: (parameter name, object type). Only plain numbers and texts (ids, case
#: numbers) are used; anything else leaves the object "-".
OBJECT_PARAMETERS = (("number", "case"), ("number_or_id", "case"), ("case", "case"),
                     ("meeting_id", "meeting"), ("item_id", "agenda_item"),
                     ("subject_id", "subject"), ("party_id", "party"),
                     ("attendee_id", "attendee"))


class UnknownAction(LookupError):
    """An entry point or command without a row in the permission matrix (a programming
    error, reported at import or by the matrix test)."""


def check(vault: OpenVault, action: str, object_type: str = "-",
          object_id: str | int = "-") -> None:
    """Refuse (audited) when the unlocked account's role may not do ``action``."""
    if action not in ACTIONS:
        raise UnknownAction(f"{action} has no row in the permission matrix "
                            "(app/domain/roles.py)")
    role = vault.actor.role
    if allowed(role, action):
        return
    vault.log_now("denied", object_type, object_id, "denied", {
        "action": action,
        "permission": " or ".join(sorted(p.value for p in ACTIONS[action]))})
    if action.startswith("casuskamer "):
        raise PermissionDenied(_("Your role ({role}) may not use '{command}'.")
                               .format(role=role.label, command=action))
    raise PermissionDenied(_("Your role ({role}) may not do this.").format(role=role.label))


def check_on_server(vault: OpenVault, action: str, message: str, object_type: str = "-",
                    object_id: str | int = "-") -> None:
    """On the house server only: refuse ``action`` unless the role also holds what
    ``SERVER_NEEDS`` (``app.domain.roles``) names for it, where the server's grants hold
    more narrowly than the matrix. So the service refuses first, audited as the matrix's
    refusals are (``denied`` with the action and the permission), with ``message`` as its
    one line; the server's own refusal stays the second wall for what gets past a service.
    On a vault file nothing is checked here."""
    needs = SERVER_NEEDS[action]
    if may(vault.actor.role, needs) or not on_server(vault.engine):
        return
    vault.log_now("denied", object_type, object_id, "denied", {
        "action": action, "permission": needs.value})
    raise PermissionDenied(message)


def action_name(fn: Callable[..., Any]) -> str:
    """``module.function`` for a function of ``app.services.module``."""
    return f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"


def entry_point(fn: Callable[P, R]) -> Callable[P, R]:
    """Make ``fn`` (first parameter: the open vault, or a vault-or-connection ``source``)
    check its row in the matrix whenever it is called with the vault."""
    action = action_name(fn)
    if action not in ACTIONS:
        raise UnknownAction(f"{action} has no row in the permission matrix "
                            "(app/domain/roles.py)")
    signature = inspect.signature(fn)
    first_name = next(iter(signature.parameters))

    @functools.wraps(fn)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        first = args[0] if args else kwargs.get(first_name)
        if isinstance(first, OpenVault):
            if not allowed(first.actor.role, action):
                object_type, object_id = _object_of(signature, args, kwargs)
                check(first, action, object_type, object_id)
            if action in SERVER_NEEDS:
                words, object_type = SERVER_REFUSALS.get(
                    action, (SERVER_REFUSAL_DEFAULT, "-"))
                check_on_server(first, action, _(words).format(role=first.actor.role.label),
                                object_type)
        return fn(*args, **kwargs)

    guarded.__action__ = action  # type: ignore[attr-defined]
    return guarded


def _object_of(signature: inspect.Signature, args: tuple[Any, ...],
               kwargs: dict[str, Any]) -> tuple[str, str | int]:
    try:
        bound = signature.bind_partial(*args, **kwargs).arguments
    except TypeError:
        return "-", "-"
    for name, object_type in OBJECT_PARAMETERS:
        value = bound.get(name)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return object_type, value
    return "-", "-"
