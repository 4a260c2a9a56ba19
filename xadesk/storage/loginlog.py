"""Failed logins, kept apart from the key file.

The database is locked while a login fails, so a failure cannot be audited at once. It is written
to ``<database>.failed-logins`` (JSON: logins and UTC times only) and moved into the audit log at
the next good login of anyone; an account's own failures stay until *its* next good login, so the
growing delay (:mod:`xadesk.services.throttle`) and the "N failed attempts since your last login"
notice can use them. Keeping this out of the key file means a run of wrong passwords never rewrites
(and so can never degrade) a generation of the key slots. A damaged or missing file reads as empty:
it only loses a warning, it never locks anyone out.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from .atomic import atomic_write_bytes

MAX_ENTRIES = 500
FREE_TRIES = 3  # typing slips cost nothing; from the fourth failure on, each try waits longer
MAX_DELAY_SECONDS = 60.0


def log_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".failed-logins")


def entries(db_path: Path) -> list[dict]:
    """Oldest first: ``{"login", "at" (ISO UTC), "audited"}``."""
    try:
        data = json.loads(log_path(db_path).read_bytes().decode("utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, list):
        return []
    return [d for d in data if isinstance(d, dict) and isinstance(d.get("login"), str)
            and isinstance(d.get("at"), str)]


def _write(db_path: Path, items: list[dict]) -> None:
    atomic_write_bytes(log_path(db_path), json.dumps(items[-MAX_ENTRIES:]).encode("utf-8"))


def record_failure(db_path: Path, login: str, at: datetime | None = None) -> None:
    items = entries(db_path)
    when = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    items.append({"login": login[:64], "at": when, "audited": False})
    _write(db_path, items)


def failures_for(db_path: Path, login: str) -> list[datetime]:
    """This account's failed attempts since its last good login (UTC, aware)."""
    out = []
    for d in entries(db_path):
        if d["login"] == login[:64]:
            try:
                out.append(datetime.fromisoformat(d["at"]))
            except ValueError:
                continue
    return out


def take_unaudited(db_path: Path) -> list[dict]:
    """Failures not yet in the audit log; they are marked audited (the caller writes them)."""
    items = entries(db_path)
    fresh = [dict(d) for d in items if not d.get("audited")]
    if fresh:
        for d in items:
            d["audited"] = True
        _write(db_path, items)
    return fresh


def clear_login(db_path: Path, login: str) -> None:
    """After a good login: this account's streak ends (already audited entries only)."""
    items = entries(db_path)
    kept = [d for d in items if d["login"] != login[:64]]
    if len(kept) != len(items):
        _write(db_path, kept)


def delay_seconds(failures: list[datetime], now: datetime | None = None) -> float:
    """How long the next try of an account must wait: nothing for the first three failures, then 1,
    2, 4 … seconds after the last one, at most a minute. Counted per account, so one person's typos do
    not slow anyone else; an attacker trying many logins meets the KDF cost on each."""
    extra = len(failures) - FREE_TRIES
    if extra < 0 or not failures:
        return 0.0
    wait = min(2.0 ** extra, MAX_DELAY_SECONDS)
    elapsed = ((now or datetime.now(UTC)) - max(failures)).total_seconds()
    return max(0.0, wait - elapsed)
