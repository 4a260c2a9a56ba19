"""The one exchange file format of XA Desk: archive transfer files, lab kits, lab result packs.

See FORMAT.md in this folder for the byte layout, and ``container`` for the API.
"""

from .container import Container, ExchangeKey, open_container, precheck, verify, write_container
from .errors import (
    ExchangeError,
    ExchangeMissingEntry,
    ExchangeTampered,
    ExchangeTooNew,
    ExchangeTruncated,
    ExchangeUnreadable,
    ExchangeWriteFailed,
    NotAnExchangeFile,
    PassphraseTooShort,
    WrongExchangeKind,
    WrongPassphrase,
)
from .layout import FORMAT_NAME, FORMAT_VERSION, SUPPORTED_VERSION
from .manifest import EntryInfo, Manifest

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "SUPPORTED_VERSION",
    "Container",
    "EntryInfo",
    "ExchangeError",
    "ExchangeKey",
    "ExchangeMissingEntry",
    "ExchangeTampered",
    "ExchangeTooNew",
    "ExchangeTruncated",
    "ExchangeUnreadable",
    "ExchangeWriteFailed",
    "Manifest",
    "NotAnExchangeFile",
    "PassphraseTooShort",
    "WrongExchangeKind",
    "WrongPassphrase",
    "open_container",
    "precheck",
    "verify",
    "write_container",
]
