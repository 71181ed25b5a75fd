"""User administration without editing hashes by hand: add users, set their role and scope,
reset passwords, remove users. Used by `tilannekuva users …`.

users.yaml holds username -> role, units, staff_id (the scope); credentials.yaml holds the display
name, e-mail and bcrypt hash in streamlit-authenticator's format. Both are rewritten atomically and
left read-only (0444: the app never writes them). Every change of role, scope or password, and every
removal, revokes the user's open sessions, so a copied cookie of the old role stops working.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from tilannekuva.access import Policy
from tilannekuva.files import READ_ONLY, private_file, read_yaml
from tilannekuva.security import SecurityStore, hash_password

MIN_PASSWORD = 12
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Person:
    """A user as the user directory knows them: the name people know and the e-mail address ('' if none)."""

    name: str = ""
    email: str = ""


def directory(users_file: Path, credentials_file: Path) -> dict[str, Person]:
    """username -> Person, from the credentials file's `name` and `email` (else the users file's). An
    unreadable file gives nothing (logged): names fall back to usernames, and no e-mail goes out."""
    found: dict[str, dict] = {}
    for path, section in ((users_file, ("users",)), (credentials_file, ("credentials", "usernames"))):
        try:
            raw = read_yaml(path) or {}
        except (OSError, yaml.YAMLError) as exc:
            log.warning("no user names from %s: %s", path, exc)
            continue
        for key in section:
            raw = raw.get(key) or {} if isinstance(raw, dict) else {}
        for user, entry in raw.items():
            if isinstance(entry, dict):
                mine = found.setdefault(str(user).lower(), {})
                mine |= {k: str(entry[k]).strip() for k in ("name", "email") if entry.get(k)}
    return {user: Person(**entry) for user, entry in found.items()}


class UserAdminError(ValueError):
    """A change that cannot be made (unknown role, missing scope, weak password, unknown user)."""


@dataclass(frozen=True)
class UserRow:
    username: str
    name: str
    role: str | None
    units: tuple[int, ...]
    staff_id: int | None


class UserAdmin:
    def __init__(self, users_file: Path, credentials_file: Path, policy: Policy, store: SecurityStore):
        self.users_file, self.credentials_file = Path(users_file), Path(credentials_file)
        self.policy, self.store = policy, store

    # --- reading -----------------------------------------------------------------------------
    def _load(self) -> tuple[dict, dict]:
        def read(path: Path, key: str) -> dict:
            if not path.exists():
                return {}
            return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(key) or {}

        users = read(self.users_file, "users")
        creds = read(self.credentials_file, "credentials").get("usernames") or {}
        return users, creds

    def list(self) -> list[UserRow]:
        users, creds = self._load()
        return [
            UserRow(
                u,
                (creds.get(u) or {}).get("name", ""),
                (users.get(u) or {}).get("role"),
                tuple((users.get(u) or {}).get("units") or ()),
                (users.get(u) or {}).get("staff_id"),
            )
            for u in sorted(set(users) | set(creds))
        ]

    # --- changes -----------------------------------------------------------------------------
    def add(
        self,
        username: str,
        name: str,
        role: str,
        password: str,
        units: list[int] | None = None,
        staff_id: int | None = None,
        email: str | None = None,
    ) -> None:
        username = self._username(username)
        users, creds = self._load()
        if username in users or username in creds:
            raise UserAdminError(f"user {username!r} exists already")
        users[username] = self._scope(role, units, staff_id)
        creds[username] = {"name": name, "email": email or f"{username}@invalid", "password": self._hash(password)}
        self._save(users, creds)

    def set_role(self, username: str, role: str, units: list[int] | None = None, staff_id: int | None = None) -> int:
        username = self._username(username)
        users, creds = self._load()
        if username not in creds:
            raise UserAdminError(f"no such user {username!r}")
        users[username] = self._scope(role, units, staff_id)
        self._save(users, creds)
        return self.store.revoke(username)

    def reset_password(self, username: str, password: str) -> int:
        username = self._username(username)
        users, creds = self._load()
        if username not in creds:
            raise UserAdminError(f"no such user {username!r}")
        creds[username] = {**creds[username], "password": self._hash(password)}
        self._save(users, creds)
        return self.store.revoke(username)

    def remove(self, username: str) -> int:
        username = self._username(username)
        users, creds = self._load()
        if username not in creds and username not in users:
            raise UserAdminError(f"no such user {username!r}")
        users.pop(username, None)
        creds.pop(username, None)
        self._save(users, creds)
        return self.store.revoke(username)

    # --- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _username(username: str) -> str:
        name = (username or "").strip().lower()
        if not name or not all(c.isalnum() or c in "._-@" for c in name):
            raise UserAdminError(f"invalid username {username!r}")
        return name

    def _scope(self, role: str, units: list[int] | None, staff_id: int | None) -> dict:
        spec = self.policy.roles.get(role)
        if spec is None:
            raise UserAdminError(f"unknown role {role!r} (roles: {', '.join(sorted(self.policy.roles))})")
        entry: dict = {"role": role}
        if spec.scope == "units":
            if not units:
                raise UserAdminError(f"role {role!r} needs --units")
            entry["units"] = sorted({int(u) for u in units})
        if spec.scope == "groups":
            if staff_id is None:
                raise UserAdminError(f"role {role!r} needs --staff-id")
        if staff_id is not None:
            entry["staff_id"] = int(staff_id)
        return entry

    @staticmethod
    def _hash(password: str) -> str:
        if len(password or "") < MIN_PASSWORD:
            raise UserAdminError(f"the password must have at least {MIN_PASSWORD} characters")
        return hash_password(password)  # bcrypt, security.HASH_ROUNDS like every hash

    def _save(self, users: dict, creds: dict) -> None:
        for path, content in (
            (self.users_file, {"users": users}),
            (self.credentials_file, {"credentials": {"usernames": creds}}),
        ):
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.unlink(missing_ok=True)
            private_file(tmp)
            tmp.write_text(
                "# Written by `tilannekuva users`.\n" + yaml.safe_dump(content, allow_unicode=True, sort_keys=True),
                encoding="utf-8",
            )
            tmp.chmod(READ_ONLY)  # 0400: readable by the service account only, replaced, never edited
            os.replace(tmp, path)
