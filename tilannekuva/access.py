"""The access policy: roles.yaml and the users file turned into a frozen, hashable Principal.

A Principal is everything the warehouse needs to know about who is asking. It is built
once per sign-in, is immutable, and is part of every cache key of user data.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from tilannekuva.files import read_yaml

SCOPES = ("all", "units", "groups")


class AccessError(RuntimeError):
    """The user cannot be given access; the message is safe to show (it names no data)."""


class NoRoleError(AccessError):
    """The user signed in but has no role, or the role grants no pages."""


@dataclass(frozen=True)
class Role:
    name: str
    pages: tuple[str, ...]
    scope: str
    pupil_rows: bool
    suppress_pupil_aggregates: bool
    may_view_as: bool = False
    has_own_pupils: bool = False


@dataclass(frozen=True)
class Principal:
    """Who is asking, and what they may read. Scope is always a set (a tuple, sorted)."""

    username: str
    display_name: str
    role: str
    pages: tuple[str, ...]
    scope: str
    unit_ids: tuple[int, ...] = ()
    staff_id: int | None = None
    pupil_rows: bool = False
    suppress_pupil_aggregates: bool = True
    may_view_as: bool = False  # capability (roles.yaml): may see the app as another user sees it
    has_own_pupils: bool = False  # capability (roles.yaml): the role teaches or leads pupils of its own
    viewed_by: str | None = None  # an admin viewing the app as this user: read-only (no writes, no downloads)

    @functools.cached_property
    def cache_key(self) -> str:
        """Every field's value as one string: what Streamlit's caches key on instead of hashing the dataclass
        field by field (dataclasses.asdict on every call: 13 % of the GIL's time under 100 sessions, issue 21).
        Two instances with equal fields have equal keys; any field that differs, the scope included, differs."""
        return repr(tuple(getattr(self, f.name) for f in dataclasses.fields(self)))

    @property
    def read_only(self) -> bool:
        return self.viewed_by is not None

    @property
    def scope_all(self) -> bool:
        return self.scope == "all"

    def may_open(self, page_id: str) -> bool:
        return page_id in self.pages


@dataclass(frozen=True)
class Policy:
    roles: dict[str, Role]
    page_icons: dict[str, str]


def load_policy(path: Path) -> Policy:
    """Parse roles.yaml; raises AccessError naming the problem if it is malformed."""
    try:
        raw = read_yaml(path) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise AccessError(f"Cannot read the role policy {path}: {exc}") from exc
    pages = raw.get("pages") or {}
    roles: dict[str, Role] = {}
    for name, spec in (raw.get("roles") or {}).items():
        spec = spec or {}
        scope = spec.get("scope")
        if scope not in SCOPES:
            raise AccessError(f"Role {name!r} has scope {scope!r}; expected one of {SCOPES}")
        role_pages = tuple(spec.get("pages") or ())
        unknown = [p for p in role_pages if p not in pages]
        if unknown:
            raise AccessError(f"Role {name!r} lists pages not declared under 'pages': {unknown}")
        roles[name] = Role(
            name=name,
            pages=role_pages,
            scope=scope,
            pupil_rows=bool(spec.get("pupil_rows", False)),
            suppress_pupil_aggregates=bool(spec.get("suppress_pupil_aggregates", True)),
            may_view_as=_flag(name, spec, "may_view_as"),
            has_own_pupils=_flag(name, spec, "has_own_pupils"),
        )
    icons = {page: (spec or {}).get("icon", "") for page, spec in pages.items()}
    return Policy(roles=roles, page_icons=icons)


def _flag(role: str, spec: dict, name: str) -> bool:
    """A yes/no capability of a role (absent = no); anything but a boolean is a mistake in roles.yaml."""
    value = spec.get(name, False)
    if not isinstance(value, bool):
        raise AccessError(f"Role {role!r} has {name}: {value!r}; expected true or false")
    return value


def load_users(path: Path) -> dict[str, dict]:
    """The users file: username -> {role, units, staff_id}. Missing file means no users."""
    try:
        raw = read_yaml(path) or {}
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError) as exc:
        raise AccessError(f"Cannot read the users file {path}: {exc}") from exc
    return {str(k).lower(): (v or {}) for k, v in (raw.get("users") or {}).items()}


def build_principal(username: str, display_name: str, users: dict[str, dict], policy: Policy) -> Principal:
    """The Principal of a signed-in user; raises NoRoleError when there is nothing to grant."""
    entry = users.get(username.lower())
    if not entry or not entry.get("role"):
        raise NoRoleError(f"User {username!r} has no role")
    role = policy.roles.get(entry["role"])
    if role is None:
        raise NoRoleError(f"User {username!r} has the unknown role {entry['role']!r}")
    if not role.pages:
        raise NoRoleError(f"Role {role.name!r} grants no pages")
    unit_ids = tuple(sorted({int(u) for u in entry.get("units") or ()}))
    staff_id = entry.get("staff_id")
    if role.scope == "units" and not unit_ids:
        raise NoRoleError(f"User {username!r} has role {role.name!r} but no units")
    if role.scope == "groups" and staff_id is None:
        raise NoRoleError(f"User {username!r} has role {role.name!r} but no staff_id")
    return Principal(
        username=username.lower(),
        display_name=display_name or username,
        role=role.name,
        pages=role.pages,
        scope=role.scope,
        unit_ids=unit_ids,
        staff_id=int(staff_id) if staff_id is not None else None,
        pupil_rows=role.pupil_rows,
        suppress_pupil_aggregates=role.suppress_pupil_aggregates,
        may_view_as=role.may_view_as,
        has_own_pupils=role.has_own_pupils,
    )


@dataclass(frozen=True)
class UserAccess:
    """One user of the users file as the admin's user list shows them: what a sign-in would grant."""

    username: str
    role: str | None  # None: no role, an unknown role, or a role that cannot be granted
    scope: str | None  # all | units | groups (None without a role)
    unit_ids: tuple[int, ...] = ()
    staff_id: int | None = None
    pages: tuple[str, ...] = ()

    @property
    def may_sign_in(self) -> bool:
        return self.role is not None


def effective_access(users: dict[str, dict], policy: Policy) -> list[UserAccess]:
    """Every user in the users file, by username, with the role, scope and pages `build_principal`
    would grant them — or no role where it refuses (no role, an unknown role, a principal without
    units, a teacher without a staff record)."""
    found = []
    for username in sorted(users):
        try:
            p = build_principal(username, username, users, policy)
        except NoRoleError:
            found.append(UserAccess(username, None, None))
            continue
        found.append(UserAccess(username, p.role, p.scope, p.unit_ids, p.staff_id, p.pages))
    return found
