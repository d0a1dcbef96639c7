"""Rule R20: a rectified violation whose method is neither 拆除复耕 nor 补办手续."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from rsgeo.audit.findings import review

_spec = importlib.util.spec_from_file_location(
    "review_cases", Path(__file__).with_name("test_review.py")
)
assert _spec is not None and _spec.loader is not None
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)


def test_confiscation_breaks_rectified_equals_demolished_plus_permits() -> None:
    bad = cases._set("G2", rectification_method="没收")(cases.good_result())
    assert cases._fired(review(bad)) == {("R20", "G2")}
    msg = review(bad).set_index("rule_id").loc["R20", "message"]
    assert "没收" in msg


def test_demolition_and_permits_and_military_give_no_r20() -> None:
    for method in ("拆除复耕", "补办手续"):
        ok = cases._set("G2", rectification_method=method)(cases.good_result())
        assert ("R20", "G2") not in cases._fired(review(ok))
    sealed = cases._set("M1", rectification_method="没收", determination="违法")(
        cases.good_result()
    )
    assert ("R20", "M1") not in cases._fired(review(sealed))
