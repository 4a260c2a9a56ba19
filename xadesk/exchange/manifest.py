"""The manifest: what an exchange file says about itself (FORMAT.md §6).

It travels inside the encrypted payload, so nothing in it can be read — or trusted — without the
passphrase. Readers ignore keys they do not know, which is how later releases add fields without a
new format version.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .errors import ExchangeTampered
from .layout import FORMAT_NAME, FORMAT_VERSION

KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
KINDS_WITH_CAMPAIGN = frozenset({"lab_kit", "lab_pack"})
MAX_NAME_LEN = 200
MAX_ENTRIES = 100_000

_REQUIRED = ("school_name", "school_id", "exporter_name", "exporter_login")
_OPTIONAL = ("campaign_id", "exported_at", "app_version", "extra")


@dataclass(frozen=True)
class EntryInfo:
    name: str
    size: int
    sha256: str  # lowercase hex


@dataclass(frozen=True)
class Manifest:
    kind: str
    school_name: str
    school_id: str
    exporter_name: str
    exporter_login: str
    exported_at: datetime
    app_version: str
    entries: tuple[EntryInfo, ...]
    content_sha256: str
    campaign_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    format: str = FORMAT_NAME
    format_version: int = FORMAT_VERSION

    @property
    def entry_names(self) -> list[str]:
        return [e.name for e in self.entries]

    @property
    def total_size(self) -> int:
        return sum(e.size for e in self.entries)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "format_version": self.format_version,
            "kind": self.kind,
            "school_name": self.school_name,
            "school_id": self.school_id,
            "campaign_id": self.campaign_id,
            "exported_at": iso_utc(self.exported_at),
            "exporter_name": self.exporter_name,
            "exporter_login": self.exporter_login,
            "app_version": self.app_version,
            "entries": [{"name": e.name, "size": e.size, "sha256": e.sha256} for e in self.entries],
            "content_sha256": self.content_sha256,
            "extra": self.extra,
        }

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """Parse a decrypted manifest; anything malformed is damage (it was authenticated)."""
        try:
            d = json.loads(data.decode("utf-8"))
            if d["format"] != FORMAT_NAME or d["format_version"] != FORMAT_VERSION:
                raise ValueError("format mismatch")
            entries = tuple(EntryInfo(str(e["name"]), int(e["size"]), str(e["sha256"])) for e in d["entries"])
            for e in entries:
                check_entry_name(e.name)
                if e.size < 0 or not re.fullmatch(r"[0-9a-f]{64}", e.sha256):
                    raise ValueError("bad entry")
            if len({e.name for e in entries}) != len(entries):
                raise ValueError("duplicate entry")
            if not KIND_RE.match(d["kind"]):
                raise ValueError("bad kind")
            m = cls(kind=d["kind"], school_name=str(d["school_name"]), school_id=str(d["school_id"]),
                    exporter_name=str(d["exporter_name"]), exporter_login=str(d["exporter_login"]),
                    exported_at=parse_iso_utc(d["exported_at"]), app_version=str(d["app_version"]),
                    entries=entries, content_sha256=str(d["content_sha256"]),
                    campaign_id=None if d.get("campaign_id") is None else str(d["campaign_id"]),
                    extra=dict(d.get("extra") or {}))
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise ExchangeTampered("文件清单", "in the manifest") from exc
        if m.content_sha256 != content_hash(m.entries):
            raise ExchangeTampered("文件清单", "in the manifest")
        return m


def iso_utc(dt: datetime) -> str:
    return dt.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_utc(text: str) -> datetime:
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError("naive timestamp")
    return dt.astimezone(UTC)


def check_entry_name(name: str) -> None:
    """Entry names are relative POSIX paths that are safe to create on any OS (FORMAT.md §6.2)."""
    if not name or len(name) > MAX_NAME_LEN:
        raise ValueError("entry name must be 1-200 characters")
    if any(ord(c) < 32 or c in '\\:*?"<>|\x7f' for c in name):
        raise ValueError(f"entry name has a forbidden character: {name!r}")
    parts = name.split("/")
    if any(p in ("", ".", "..") or p != p.strip() or p.endswith(".") for p in parts):
        raise ValueError(f"entry name is not a clean relative path: {name!r}")


def content_hash(entries: tuple[EntryInfo, ...] | list[EntryInfo]) -> str:
    """SHA-256 over ``"<sha256 hex>  <name>\\n"`` per entry in manifest order (``sha256sum`` lines).

    Depends on the entries only, not on who exported when: the same content gives the same hash,
    which importers use to recognise a file they have already imported.
    """
    h = hashlib.sha256()
    for e in entries:
        h.update(f"{e.sha256}  {e.name}\n".encode())
    return h.hexdigest()


def build(kind: str, fields: dict[str, Any], entries: list[EntryInfo], app_version: str) -> Manifest:
    """Validate the caller's fields (programming errors raise ValueError) and assemble the manifest."""
    if not KIND_RE.match(kind):
        raise ValueError(f"kind must match {KIND_RE.pattern}: {kind!r}")
    unknown = set(fields) - set(_REQUIRED) - set(_OPTIONAL)
    if unknown:
        raise ValueError(f"unknown manifest fields: {sorted(unknown)}")
    missing = [k for k in _REQUIRED if not fields.get(k)]
    if missing:
        raise ValueError(f"missing manifest fields: {missing}")
    school_id = str(uuid.UUID(str(fields["school_id"])))
    campaign = fields.get("campaign_id")
    campaign_id = None if campaign in (None, "") else str(campaign)
    if kind in KINDS_WITH_CAMPAIGN and campaign_id is None:
        raise ValueError(f"a {kind} needs a campaign_id")
    exported_at = fields.get("exported_at") or datetime.now(UTC)
    if isinstance(exported_at, str):
        exported_at = parse_iso_utc(exported_at)
    if exported_at.tzinfo is None:
        raise ValueError("exported_at must be timezone-aware")
    extra = dict(fields.get("extra") or {})
    json.dumps(extra)  # must be JSON-serialisable; raises TypeError otherwise
    if len(entries) > MAX_ENTRIES:
        raise ValueError("too many entries")
    return Manifest(kind=kind, school_name=str(fields["school_name"]), school_id=school_id,
                    exporter_name=str(fields["exporter_name"]), exporter_login=str(fields["exporter_login"]),
                    exported_at=parse_iso_utc(iso_utc(exported_at)),
                    app_version=str(fields.get("app_version") or app_version), entries=tuple(entries),
                    content_sha256=content_hash(entries), campaign_id=campaign_id, extra=extra)
