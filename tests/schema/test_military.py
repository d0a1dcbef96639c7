"""The military-land predicate and redaction, form by form (``rsgeo.schema.military``).

The expected status of each form is the table of the module notes (the work
plan's rule: military land is reported apart, under seal), written out here
by hand; nothing is derived from the code under test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from rsgeo.schema.military import (
    PLACEHOLDER,
    ambiguous_military,
    is_military,
    military_status,
    ordinary,
    redact_ids,
    redacting,
    split_military,
)

# field ``military`` (SFJY, 是否军用): value -> status
FIELD_FORMS = {
    "是": "sealed",
    "Y": "sealed",
    "y": "sealed",
    "1": "sealed",
    "true": "sealed",
    "TRUE": "sealed",
    "军用": "sealed",
    "军事": "sealed",
    "军用土地": "sealed",
    "军事用地": "sealed",
    "军事设施用地": "sealed",
    "是(军用)": "sealed",
    "是（军用）": "sealed",
    "属军事管理区": "sealed",  # any text with 军事
    "部队军用仓库": "sealed",  # any text with 军用
    " 是 ": "sealed",
    "": "ordinary",
    "否": "ordinary",
    "N": "ordinary",
    "0": "ordinary",
    "false": "ordinary",
    "F": "ordinary",
    "no": "ordinary",
    "不是": "ordinary",
    "非军用": "ordinary",
    "非军事": "ordinary",
    "非军用土地": "ordinary",
    "非军事用地": "ordinary",
    "无": "ordinary",
    "/": "ordinary",
    "-": "ordinary",
    "待定": "ambiguous",
    "不详": "ambiguous",
    "疑似": "ambiguous",
    "?": "ambiguous",
}


def test_every_form_of_the_military_field() -> None:
    frame = pd.DataFrame({"military": list(FIELD_FORMS)})
    assert military_status(frame).tolist() == list(FIELD_FORMS.values())
    sealed = [v != "ordinary" for v in FIELD_FORMS.values()]
    assert is_military(frame).tolist() == sealed
    assert ambiguous_military(frame).tolist() == [v == "ambiguous" for v in FIELD_FORMS.values()]


def test_an_empty_military_cell_is_ordinary() -> None:
    frame = pd.DataFrame({"military": [None, np.nan, "否"]})
    assert military_status(frame).tolist() == ["ordinary"] * 3


@pytest.mark.parametrize("column", ["flag_military", "military"])
def test_booleans_and_numbers(column: str) -> None:
    assert military_status(pd.DataFrame({column: [True, False]})).tolist() == [
        "sealed",
        "ordinary",
    ]
    numbers = pd.DataFrame({column: [1.0, 0.0, np.nan, 2.0]})
    assert military_status(numbers).tolist() == ["sealed", "ordinary", "ordinary", "sealed"]
    ints = pd.DataFrame({column: [0, 1]})
    assert is_military(ints).tolist() == [False, True]


def test_the_flag_column_read_as_text() -> None:
    flags = pd.DataFrame({"flag_military": ["否", "False", "0", "是", "True", "待定"]})
    assert military_status(flags).tolist() == [
        *["ordinary"] * 3,
        "sealed",
        "sealed",
        "ambiguous",
    ]


@pytest.mark.parametrize("column", ["determination_subtype", "actual_use", "land_class_name"])
def test_the_words_in_any_text_field(column: str) -> None:
    texts = ["军事管理区", "驻军军用机场", "农村宅基地", "", None, "军", "事业单位用地"]
    frame = pd.DataFrame({column: texts})
    assert military_status(frame).tolist() == [
        "sealed",
        "sealed",
        *["ordinary"] * 5,
    ]


def test_land_class_0901_only() -> None:
    codes = ["0901", " 0901 ", "0902", "09", "0103", None, "090101"]
    frame = pd.DataFrame({"land_class_code": codes})
    assert military_status(frame).tolist() == [
        "sealed",
        "sealed",
        *["ordinary"] * 5,
    ]


def test_sealed_wins_over_ambiguous_and_fields_add_up() -> None:
    frame = pd.DataFrame(
        {
            "military": ["待定", "待定", "否", "否", "否"],
            "land_class_code": ["0901", "0103", "0103", "0901", "0103"],
            "actual_use": ["", "", "", "", "军用码头"],
            "flag_military": [False, False, False, False, False],
        }
    )
    assert military_status(frame).tolist() == [
        "sealed",
        "ambiguous",
        "ordinary",
        "sealed",
        "sealed",
    ]
    assert ambiguous_military(frame).tolist() == [False, True, False, False, False]
    # the layer's flag seals whatever the field says
    frame["flag_military"] = [False, False, True, False, False]
    assert military_status(frame).tolist()[2] == "sealed"


def test_a_table_without_any_military_column_is_ordinary() -> None:
    frame = pd.DataFrame({"area_m2": [1.0, 2.0]}, index=["a", "b"])
    assert military_status(frame).tolist() == ["ordinary", "ordinary"]
    assert military_status(frame).index.tolist() == ["a", "b"]


def test_ordinary_and_split_keep_the_right_rows() -> None:
    frame = pd.DataFrame(
        {"military": ["否", "是", "待定", ""], "x": [1, 2, 3, 4]}, index=["p1", "p2", "p3", "p4"]
    )
    assert ordinary(frame).index.tolist() == ["p1", "p4"]
    ok, sealed = split_military(frame)
    assert ok.index.tolist() == ["p1", "p4"]
    assert sealed.index.tolist() == ["p2", "p3"]
    assert sealed["x"].tolist() == [2, 3]


# ---- redaction ------------------------------------------------------------


def test_redact_whole_tokens_only() -> None:
    text = "P1, P10, XP1, P1_a, P1-2, (P1), P1。P12"
    assert redact_ids(text, ["P1", "P12"]) == (
        f"{PLACEHOLDER}, P10, XP1, P1_a, P1-2, ({PLACEHOLDER}), {PLACEHOLDER}。{PLACEHOLDER}"
    )


def test_redact_longer_ids_first_and_special_characters() -> None:
    # "A.1" must not be read as a pattern, and "A.1.2" is redacted whole
    assert redact_ids("A.1.2 and A.1 and AX1", ["A.1", "A.1.2"]) == (
        f"{PLACEHOLDER} and {PLACEHOLDER} and AX1"
    )
    assert redact_ids("P1 P2", [], placeholder="#") == "P1 P2"
    assert redact_ids("P1 P2", [""]) == "P1 P2"
    assert redact_ids("P1 P2", [1, "P2"], placeholder="#") == "P1 #"


def test_redacting_warnings() -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with redacting(["M1"]):
            warnings.warn("ids: M1, P2", UserWarning, stacklevel=1)
            warnings.warn("nothing sealed here", RuntimeWarning, stacklevel=1)
    assert [str(w.message) for w in seen] == [f"ids: {PLACEHOLDER}, P2", "nothing sealed here"]
    assert [w.category for w in seen] == [UserWarning, RuntimeWarning]


def test_redacting_errors() -> None:
    plain = ValueError("no id here")
    with pytest.raises(ValueError) as caught, redacting(["M1"]):
        raise plain
    assert caught.value is plain  # untouched when it names no sealed id

    with pytest.raises(KeyError) as caught, redacting({"M1"}):
        raise KeyError("missing M1")
    assert "M1" not in str(caught.value)
    assert PLACEHOLDER in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_redacting_an_error_of_another_signature_and_ids_added_late() -> None:
    class Odd(Exception):
        def __init__(self, a: str, b: str) -> None:
            super().__init__(f"{a} {b}")

    ids: set[str] = set()
    with pytest.raises(RuntimeError) as caught, redacting(ids):
        ids.add("M9")
        raise Odd("bad", "M9")
    assert str(caught.value) == f"bad {PLACEHOLDER}"


def test_status_of_a_long_table_is_the_status_of_each_row_read_alone() -> None:
    """Each distinct text is read once: the answer is still each row's own, by the rules
    of the module notes written out row by row here."""
    import re

    from rsgeo.schema.vocabulary import (
        MILITARY_LAND_CLASSES,
        MILITARY_NO,
        MILITARY_WORDS,
        MILITARY_YES,
    )

    words = re.compile("|".join(MILITARY_WORDS))
    marks = ["是", " 否 ", "", None, "Y", "n", "1", "0", "TRUE", "False", "军事用地", "待定", "?"]
    uses = ["农村宅基地", "军用仓库", None, "", "工业"]
    codes = ["0901", " 0901", "0103", None, "1001"]
    n = 600
    frame = pd.DataFrame(
        {
            "military": [marks[i % len(marks)] for i in range(n)],
            "actual_use": [uses[(i // 3) % len(uses)] for i in range(n)],
            "land_class_code": [codes[(i // 7) % len(codes)] for i in range(n)],
        },
        index=[f"p{i}" for i in range(n)],
    )

    def row_status(mark: object, use: object, code: object) -> str:
        text = "" if pd.isna(mark) else str(mark).strip()
        folded = text.casefold()
        sealed = (not pd.isna(use) and words.search(str(use)) is not None) or (
            not pd.isna(code) and str(code).strip() in MILITARY_LAND_CLASSES
        )
        if folded in MILITARY_NO:
            return "sealed" if sealed else "ordinary"
        if folded in MILITARY_YES or words.search(text):
            return "sealed"
        return "sealed" if sealed else "ambiguous"

    want = [
        row_status(m, u, c)
        for m, u, c in zip(
            frame["military"], frame["actual_use"], frame["land_class_code"], strict=True
        )
    ]
    got = military_status(frame)
    assert got.index.equals(frame.index)
    assert got.tolist() == want
    assert {"sealed", "ambiguous", "ordinary"} <= set(want)
