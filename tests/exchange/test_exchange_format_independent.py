"""A second reader, written from FORMAT.md alone, must agree with the reference reader.

Nothing below imports ``xadesk.exchange`` (files are produced through the test helpers); if the
spec and the code drift apart, this test says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import unicodedata
import zlib

import pytest
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.exchange.conftest import PASSPHRASE, cut, flip, write

MAGIC = bytes.fromhex("8958414458 0D0A1A".replace(" ", ""))


class Refused(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def normalise(p: str) -> str:
    for _ in range(5):
        q = unicodedata.normalize("NFKC", p)
        q = "".join(c for c in q if not (c.isspace() or c == "\u2212"
                                         or unicodedata.category(c) in ("Pd", "Cf"))).upper()
        if q == p:
            break
        p = q
    return p


def spec_read(path, passphrase: str):
    data = path.read_bytes()
    size = len(data)
    if size == 0:
        raise Refused("not_exchange")
    if size < 8:
        raise Refused("truncated" if MAGIC.startswith(data) else "not_exchange")
    if data[:8] != MAGIC:
        raise Refused("tampered" if sum(a != b for a, b in zip(data[:8], MAGIC, strict=True)) == 1
                      else "not_exchange")
    if size < 20:
        raise Refused("truncated")
    version, flags, header_len, crc = struct.unpack(">HHII", data[8:20])
    if zlib.crc32(data[:16]) != crc:
        raise Refused("tampered")
    if version > 1 or flags:
        raise Refused("too_new")
    if version == 0 or header_len != 171:
        raise Refused("tampered")
    if size < 171:
        raise Refused("truncated")
    header = data[:171]
    if hashlib.sha256(header[:139]).digest() != header[139:]:
        raise Refused("tampered")
    kdf_id, par, cipher_id, comp_id, t, m = struct.unpack(">BBBBII", header[20:32])
    kdf_salt, file_salt = header[32:64], header[64:96]
    (seg,) = struct.unpack(">I", header[96:100])
    prefix, key_check = header[100:107], header[107:139]
    if (kdf_id, cipher_id, comp_id) != (1, 1, 1) or not (1 <= t <= 32 and 1 <= par <= 16
                                                         and 8 * par <= m <= 1048576 and 4096 <= seg <= 16777216):
        raise Refused("tampered")
    if size < 171 + 16 + 20:
        raise Refused("truncated")
    end = data[-20:]
    if end[:8] == b"XADX-END":
        if zlib.crc32(end[:16]) != struct.unpack(">I", end[16:])[0]:
            raise Refused("tampered")
        (declared,) = struct.unpack(">Q", end[8:16])
        if declared != size:
            raise Refused("truncated" if declared > size else "tampered")
    elif sum(a != b for a, b in zip(end[:8], b"XADX-END", strict=True)) == 1:
        raise Refused("tampered")
    else:
        window_start = max(171, size - 1024 * 1024)
        pos = data.rfind(b"XADX-END", window_start)
        while pos >= 0:
            rec = data[pos:pos + 20]
            if (len(rec) == 20 and zlib.crc32(rec[:16]) == struct.unpack(">I", rec[16:])[0]
                    and struct.unpack(">Q", rec[8:16])[0] == pos + 20):
                raise Refused("tampered")
            pos = data.rfind(b"XADX-END", window_start, pos)
        raise Refused("truncated")
    body = data[171:-20]
    full = seg + 16
    n = max(1, -(-len(body) // full))
    if len(body) - (n - 1) * full < 16:
        raise Refused("tampered")
    p = normalise(passphrase).encode()
    if not p:
        raise Refused("wrong_passphrase")
    master = hash_secret_raw(p, kdf_salt, t, m, par, 32, Type.ID)
    okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=file_salt, info=b"xadesk-exchange v1").derive(master)
    if okm[32:] != key_check:
        raise Refused("wrong_passphrase")
    aead = AESGCM(okm[:32])
    plain = b""
    for i in range(n):
        blob = body[i * full:(i + 1) * full]
        last = i == n - 1
        try:
            plain += aead.decrypt(prefix + struct.pack(">IB", i, last), blob, header)
        except InvalidTag:
            if last:
                try:
                    aead.decrypt(prefix + struct.pack(">IB", i, 0), blob, header)
                    raise Refused("truncated") from None
                except InvalidTag:
                    pass
            raise Refused("tampered") from None
    d = zlib.decompressobj()
    payload = d.decompress(plain)
    if not d.eof or d.unused_data:
        raise Refused("tampered")
    (mlen,) = struct.unpack(">I", payload[:4])
    manifest = json.loads(payload[4:4 + mlen])
    assert manifest["format"] == "xadesk-exchange" and manifest["format_version"] == 1
    entries, pos = {}, 4 + mlen
    lines = b""
    for e in manifest["entries"]:
        blob = payload[pos:pos + e["size"]]
        pos += e["size"]
        if hashlib.sha256(blob).hexdigest() != e["sha256"]:
            raise Refused("tampered")
        entries[e["name"]] = blob
        lines += f"{e['sha256']}  {e['name']}\n".encode()
    if pos != len(payload) or hashlib.sha256(lines).hexdigest() != manifest["content_sha256"]:
        raise Refused("tampered")
    return manifest, entries


def reference_read(path, passphrase):
    from xadesk import exchange as ex

    names = {ex.NotAnExchangeFile: "not_exchange", ex.ExchangeTruncated: "truncated",
             ex.ExchangeTampered: "tampered", ex.ExchangeTooNew: "too_new",
             ex.WrongPassphrase: "wrong_passphrase"}
    try:
        box = ex.open_container(path, passphrase)
    except ex.ExchangeError as err:
        raise Refused(names[type(err)]) from err
    return box.manifest.to_dict(), {n: box.entry(n) for n in box.entry_names}


def outcome(reader, path, passphrase=PASSPHRASE):
    try:
        return reader(path, passphrase)
    except Refused as r:
        return r.what


def test_the_spec_reader_reads_what_the_app_writes(tmp_path):
    entries = {"archive.json": '{"姓名": "张三"}'.encode(), "transfer.pdf": os.urandom(9000) * 2,
               "empty": b""}
    path = write(tmp_path / "a.xadx", entries=entries)
    manifest, got = spec_read(path, "7kqm x3rb pv2d 9hte cwna 4fys")
    assert got == entries
    assert manifest == reference_read(path, PASSPHRASE)[0]
    assert manifest["exported_at"] == "2026-07-01T08:30:00Z"


def test_the_spec_reader_refuses_like_the_app(tmp_path):
    good = write(tmp_path / "good.xadx", entries={"a": os.urandom(15000), "b": b"x" * 5000})
    size = good.stat().st_size
    cases = [good]
    cases += [flip(good, o) for o in (0, 3, 9, 13, 17, 25, 40, 70, 98, 103, 120, 150, 170, 171, 2000, size - 25,
                                      size - 21, size - 20, size - 13, size - 5, size - 1)]
    cases += [cut(good, n) for n in (1, 7, 8, 19, 20, 100, 171, 180, 171 + 4112, 171 + 2 * 4112, size - 20,
                                     size - 1)]
    for content in (b"", b"%PDF-1.4", os.urandom(300)):
        (p := tmp_path / f"junk{len(content)}.xadx").write_bytes(content)
        cases.append(p)
    newer = bytearray(good.read_bytes())
    newer[8:10] = b"\x00\x02"
    newer[16:20] = struct.pack(">I", zlib.crc32(bytes(newer[:16])))
    (p := tmp_path / "newer.xadx").write_bytes(bytes(newer))
    cases.append(p)
    for case in cases:
        assert outcome(spec_read, case) == outcome(reference_read, case), case.name
    assert outcome(spec_read, good, "wrong-wrong-wrong") == outcome(reference_read, good, "wrong-wrong-wrong") \
        == "wrong_passphrase"


@pytest.mark.parametrize("typed", ["７ｋｑｍ－ｘ３ｒｂ－ｐｖ２ｄ－９ｈｔｅ－ｃｗｎａ－４ｆｙｓ", "7KQM\u200b-X3RB PV2D−9HTE CWNA4FYS"])
def test_the_spec_normalisation_matches(tmp_path, typed):
    path = write(tmp_path / "a.xadx")
    assert spec_read(path, typed)[1] == reference_read(path, typed)[1]


@settings(max_examples=300)
@given(st.text(max_size=30))
def test_the_spec_normalisation_agrees_on_any_text(text):
    from xadesk.exchange.passphrase import normalise as reference

    assert normalise(text) == reference(text)
