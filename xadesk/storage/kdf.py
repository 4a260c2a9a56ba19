"""Memory-hard key derivation shared by key slots and exchange files.

Argon2id parameters are stored next to everything they protect, so they can be raised later
without breaking old slots. ``XADESK_KDF_PROFILE=test`` selects cheap parameters for the test
suite only; a slot made with them stays cheap, which is why nothing but tests should set it.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

from argon2.low_level import Type, hash_secret_raw

# About 0.15 s on the 2-core development machine, 0.3–0.6 s on an older school PC, 128 MiB.
_DEFAULT = {"time_cost": 3, "memory_kib": 128 * 1024, "parallelism": 2}
_TEST = {"time_cost": 1, "memory_kib": 8, "parallelism": 1}


@dataclass(frozen=True)
class KdfParams:
    time_cost: int
    memory_kib: int
    parallelism: int
    name: str = "argon2id"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> KdfParams:
        if d.get("name", "argon2id") != "argon2id":
            raise ValueError("unsupported kdf")
        return cls(int(d["time_cost"]), int(d["memory_kib"]), int(d["parallelism"]))


def default_params() -> KdfParams:
    profile = os.environ.get("XADESK_KDF_PROFILE", "").strip().lower()
    return KdfParams(**(_TEST if profile == "test" else _DEFAULT))


def derive(secret: str | bytes, salt: bytes, params: KdfParams, length: int = 32) -> bytes:
    data = secret.encode("utf-8") if isinstance(secret, str) else secret
    # argon2 requires memory >= 8 * parallelism KiB
    memory = max(params.memory_kib, 8 * params.parallelism)
    return hash_secret_raw(data, salt, params.time_cost, memory, params.parallelism, length, Type.ID)
