"""Tests for rsgeo.io.encoding on DBF files built byte by byte in the test."""

from __future__ import annotations

import contextlib
import io
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rsgeo.io.encoding import (
    cpg_encoding,
    decide_dbf_encoding,
    detect_encoding,
    ldid_encoding,
    normalize_encoding,
    read_dbf_text,
)


def make_dbf(
    fields: list[tuple[bytes, bytes, int]], rows: list[list[bytes]], *, ldid: int = 0
) -> bytes:
    """A dBASE III file: fields are (name, type, width); values are raw bytes."""
    header_len = 32 + 32 * len(fields) + 1
    record_len = 1 + sum(w for _, _, w in fields)
    out = bytearray(b"\x03\x7e\x0b\x19")
    out += struct.pack("<IHH", len(rows), header_len, record_len)
    out += bytes(17) + bytes([ldid]) + bytes(2)
    assert len(out) == 32
    for name, kind, width in fields:
        out += name.ljust(11, b"\x00") + kind + bytes(4) + bytes([width, 0]) + bytes(14)
    out += b"\r"
    for row in rows:
        out += b" "
        for (_, _, width), value in zip(fields, row, strict=True):
            out += value[:width].ljust(width, b" ")
    out += b"\x1a"
    return bytes(out)


NAMES = ["融水镇", "和睦镇", "三防镇", "同练瑶族乡"]


def town_dbf(encoding: str, *, ldid: int = 0, name_field: str = "XZMC") -> bytes:
    fields = [(b"JCBH", b"C", 12), (name_field.encode(encoding), b"C", 30), (b"JCMJ", b"N", 12)]
    rows = [
        [f"A{i}".encode(), n.encode(encoding), f"{i * 10.5:.2f}".encode()]
        for i, n in enumerate(NAMES)
    ]
    return make_dbf(fields, rows, ldid=ldid)


def test_read_dbf_text_sees_header_and_text_columns() -> None:
    text = read_dbf_text(io.BytesIO(town_dbf("gbk", ldid=0x4D)))
    assert text.ldid == 0x4D
    assert text.n_records == 4
    assert text.names == [b"JCBH", b"XZMC", b"JCMJ"]
    values, _ = text.values()
    # the numeric column is not text: only names + 2 text columns x 4 rows
    assert values[3:] == [b"A0", b"A1", b"A2", b"A3"] + [n.encode("gbk") for n in NAMES]


@pytest.mark.parametrize(
    ("cpg", "expected"),
    [
        ("GBK", "gb18030"),
        ("gb2312\r\n", "gb18030"),
        ("936", "gb18030"),
        ("CP936", "gb18030"),
        ("UTF-8", "utf-8"),
        ("65001", "utf-8"),
        ("88591", "iso8859-1"),
        ("1252", "cp1252"),
        ("SYSTEM", None),
        ("", None),
        ("klingon", None),
    ],
)
def test_cpg_names(cpg: str, expected: str | None) -> None:
    assert cpg_encoding(cpg) == expected


def test_ldid_table() -> None:
    assert ldid_encoding(0x4D) == "gb18030"  # code page 936
    assert ldid_encoding(0x7A) == "gb18030"
    assert ldid_encoding(0x4F) == "big5"  # code page 950
    assert ldid_encoding(0x57) is None  # "ANSI": says nothing
    assert ldid_encoding(0x00) is None
    assert ldid_encoding(0xEE) is None


def test_normalize_rejects_unknown() -> None:
    with pytest.raises(LookupError):
        normalize_encoding("no-such-encoding")


def test_gbk_without_cpg_is_detected() -> None:
    d = decide_dbf_encoding(io.BytesIO(town_dbf("gbk")), None)
    assert d.encoding == "gb18030"
    assert d.source.startswith("detected")
    assert d.warnings == ()


def test_gbk_chinese_field_name_only_is_detected() -> None:
    dbf = make_dbf([("监测编号".encode("gbk"), b"C", 10)], [[b"A1"], [b"A2"]])
    assert decide_dbf_encoding(io.BytesIO(dbf), None).encoding == "gb18030"


def test_gbk_that_is_also_valid_utf8() -> None:
    # 太 (GBK CC AB) and 隆 (GBK C2 A1) are valid UTF-8 too (U+032B, "¡");
    # as UTF-8 they read as a combining mark and a Spanish sign
    for word in ("太", "隆", "太隆"):
        raw = word.encode("gbk")
        raw.decode("utf-8")  # the premise: valid UTF-8
        dbf = make_dbf([(b"NAME", b"C", 20)], [[raw]])
        d = decide_dbf_encoding(io.BytesIO(dbf), None, where="t.shp")
        assert d.encoding == "gb18030", word
        assert any("decodes both" in w for w in d.warnings)


def test_all_gb2312_hanzi_detected_in_both_encodings() -> None:
    """Every GB2312 hanzi as a one-character value: UTF-8 is always right;
    GBK is right except the six whose bytes are the UTF-8 of the symbols
    Chinese data use (° ± ² ³ · ÷), where the UTF-8 reading is kept."""
    hanzi = []
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                hanzi.append(bytes([hi, lo]).decode("gb2312"))
    assert len(hanzi) == 6763  # GB2312 level 1 + level 2
    assert all(detect_encoding([c.encode("utf-8")]) == "utf-8" for c in hanzi)
    wrong = [c for c in hanzi if detect_encoding([c.encode("gbk")]) != "gb18030"]
    assert sorted(c.encode("gbk").decode("utf-8") for c in wrong) == sorted("°±²³·÷")


def test_utf8_without_cpg_is_detected() -> None:
    d = decide_dbf_encoding(io.BytesIO(town_dbf("utf-8")), None)
    assert d.encoding == "utf-8"
    assert "UTF-8" in d.source


def test_ascii_only() -> None:
    dbf = make_dbf([(b"JCBH", b"C", 5)], [[b"A1"]])
    d = decide_dbf_encoding(io.BytesIO(dbf), None)
    assert d.encoding == "utf-8" and "ASCII" in d.source


def test_ldid_byte_is_used() -> None:
    d = decide_dbf_encoding(io.BytesIO(town_dbf("gbk", ldid=0x4D)), None)
    assert d.encoding == "gb18030"
    assert "0x4D" in d.source


def test_ldid_ansi_falls_back_to_detection() -> None:
    d = decide_dbf_encoding(io.BytesIO(town_dbf("gbk", ldid=0x57)), None)
    assert d.encoding == "gb18030" and d.source.startswith("detected")


def test_a_language_byte_contradicting_the_text_is_overruled_and_reported() -> None:
    """Before: a GBK DBF whose language byte says cp1252 (0x03) was read as
    cp1252, every name turned into accented Latin letters, without a word."""
    d = decide_dbf_encoding(io.BytesIO(town_dbf("gbk", ldid=0x03)), None, where="x.shp")
    assert d.encoding == "gb18030"
    assert "0x03 says cp1252" in d.source
    assert any("x.shp" in w and "reads as Chinese" in w for w in d.warnings)
    # the same for the other single-byte pages a writer's settings put there
    for ldid in (0x01, 0x02, 0x04, 0xC9):
        assert decide_dbf_encoding(io.BytesIO(town_dbf("gbk", ldid=ldid)), None).encoding == (
            "gb18030"
        )


def test_real_cp1252_text_keeps_its_language_byte() -> None:
    rows = [[b"A1", "Café Müller".encode("cp1252")], [b"A2", "Zürich 12°".encode("cp1252")]]
    raw = make_dbf([(b"ID", b"C", 4), (b"NAME", b"C", 20)], rows, ldid=0x03)
    d = decide_dbf_encoding(io.BytesIO(raw), None)
    assert (d.encoding, d.warnings) == ("cp1252", ())


def test_a_single_byte_cpg_on_chinese_text_is_kept_with_a_warning() -> None:
    d = decide_dbf_encoding(io.BytesIO(town_dbf("gbk")), "1252", where="x.shp")
    assert d.encoding == "cp1252"  # the user's own .cpg is followed ...
    assert any("reads as Chinese" in w and "encoding='gb18030'" in w for w in d.warnings)


def test_cpg_wins_over_ldid() -> None:
    d = decide_dbf_encoding(io.BytesIO(town_dbf("utf-8", ldid=0x4D)), "UTF-8")
    assert d.encoding == "utf-8" and ".cpg" in d.source


def test_wrong_cpg_is_not_trusted() -> None:
    # the .cpg says UTF-8 but the bytes are GBK: detect, and say so
    d = decide_dbf_encoding(io.BytesIO(town_dbf("gbk")), "UTF-8", where="x.shp")
    assert d.encoding == "gb18030"
    assert any("not valid utf-8" in w and "x.shp" in w for w in d.warnings)


def test_unusable_cpg_is_reported() -> None:
    d = decide_dbf_encoding(io.BytesIO(town_dbf("gbk")), "SYSTEM")
    assert d.encoding == "gb18030"
    assert any("SYSTEM" in w for w in d.warnings)


def test_gbk_cpg_on_utf8_data_warns() -> None:
    d = decide_dbf_encoding(io.BytesIO(town_dbf("utf-8")), "GBK")
    if d.encoding == "gb18030":  # the UTF-8 bytes happened to be valid GBK too
        assert any("also valid UTF-8" in w for w in d.warnings)
    else:
        assert d.encoding == "utf-8"


def test_argument_wins() -> None:
    d = decide_dbf_encoding(io.BytesIO(town_dbf("gbk")), "UTF-8", encoding="GBK")
    assert d.encoding == "gb18030" and d.source == "argument encoding="


def test_undecodable_raises() -> None:
    # Latin-1 "café" + "é" at the end of a short value: neither UTF-8 nor GB18030
    dbf = make_dbf([(b"NAME", b"C", 10)], [["café".encode("latin-1")], [b"\xff\xfe"]])
    with pytest.raises(UnicodeError, match="encoding="):
        decide_dbf_encoding(io.BytesIO(dbf), None, where="y.shp")


def test_character_cut_at_field_width_is_tolerated() -> None:
    # "融水镇" is 9 bytes in UTF-8; a 5-byte field cuts the second character
    dbf = make_dbf([(b"NAME", b"C", 5)], [["融水镇".encode()], ["和".encode()]])
    assert decide_dbf_encoding(io.BytesIO(dbf), None).encoding == "utf-8"


def test_no_dbf() -> None:
    d = decide_dbf_encoding(None, None)
    assert d.encoding == "utf-8"


def test_max_bytes_sampling() -> None:
    dbf = town_dbf("gbk")
    text = read_dbf_text(io.BytesIO(dbf), max_bytes=1)
    assert text.truncated
    assert text.columns[0].shape[0] == 1


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.text(alphabet="融水镇和睦三防怀宝洞头大浪永乐乡村ABC123", min_size=1, max_size=8),
        min_size=1,
        max_size=6,
    )
)
def test_detect_round_trip(words: list[str]) -> None:
    """Chinese text written in GBK is detected as GB18030 and decodes back;
    the same text in UTF-8 is detected as UTF-8."""
    gbk = [w.encode("gbk") for w in words]
    utf = [w.encode("utf-8") for w in words]
    enc = detect_encoding(gbk)
    assert enc is not None
    assert [b.decode(enc) for b in gbk] == words
    assert detect_encoding(utf) == "utf-8"


def test_many_cut_values_and_a_real_error_after_them() -> None:
    cut = "融水镇".encode()[:5]  # second character cut after 2 of its 3 bytes
    rows = [[cut]] * 1000
    dbf = make_dbf([(b"NAME", b"C", 5)], rows)
    assert decide_dbf_encoding(io.BytesIO(dbf), None).encoding == "utf-8"
    # an invalid byte at the start of a full-width value is not a cut
    # (0xFF starts no character in UTF-8 or GB18030)
    bad = [*rows, [b"\xffabcd"]]
    text = read_dbf_text(io.BytesIO(make_dbf([(b"NAME", b"C", 5)], bad)))
    assert text.columns[0].shape == (1001, 5)
    with pytest.raises(UnicodeError):
        decide_dbf_encoding(io.BytesIO(make_dbf([(b"NAME", b"C", 5)], bad)), None)


@pytest.mark.parametrize(
    ("cpg", "codec"),
    [
        ("Big-5", "big5"),
        ("BIG5", "big5"),
        ("koi8r", "koi8-r"),
        ("KOI8-R", "koi8-r"),
        ("ANSI 1252", "cp1252"),
        ("windows-1252", "cp1252"),
        ("CP-936", "gb18030"),
        ("8859_5", "iso8859-5"),
    ],
)
def test_cpg_names_in_every_spelling_seen(cpg: str, codec: str) -> None:
    """Before, "Big-5", "koi8r" and "ANSI 1252" named no encoding."""
    from rsgeo.io.encoding import cpg_encoding

    assert cpg_encoding(cpg) == codec
