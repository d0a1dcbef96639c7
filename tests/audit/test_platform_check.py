"""The platform check (R19): crafted platform tables against a crafted patch table.

The references are written here: 1 亩 = 10000/15 m², the figures of each
crafted patch, and the files (CSV in GBK, Excel, a DBF written by GDAL).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from rsgeo.audit.findings import run_review
from rsgeo.audit.platform_check import PlatformCheckWarning
from rsgeo.errors import FieldError, InputError
from rsgeo.io.platform_table import read_platform_table

MU = 10000.0 / 15.0


def patches() -> pd.DataFrame:
    """Three ordinary patches and one on military land, with rsgeo's overlay figures."""
    return pd.DataFrame(
        {
            "township_code": ["450225101", "450225101", "450225102", "450225102"],
            "township_name": ["融水镇", "融水镇", "和睦镇", "和睦镇"],
            "determination": ["合法"] * 4,
            "farmland_m2": [1200.0, 0.0, 900.0, 600.0],
            "farmland_net_m2": [1000.0, 0.0, 800.0, 500.0],
            "pbf_m2": [300.0, 0.0, 0.0, 100.0],
            "flag_military": [False, False, False, True],
        },
        index=pd.Index(["P1", "P2", "P3", "JY1"], name="patch_id"),
    )


def platform() -> pd.DataFrame:
    """The platform's table in 亩, equal to rsgeo's net farmland and pbf."""
    t = patches()
    return pd.DataFrame(
        {
            "JCBH": list(t.index),
            "GDMJ（亩）": (t["farmland_net_m2"] / MU).tolist(),
            "YJJBNTMJ（亩）": (t["pbf_m2"] / MU).tolist(),
        }
    )


def _r19(table: pd.DataFrame, **options: float | str) -> pd.DataFrame:
    read = read_platform_table(table)
    findings = run_review(patches(), platform=read, **options).findings
    return findings.loc[findings["rule_id"] == "R19"]


def _changed(pid: str, header: str, delta_mu: float) -> pd.DataFrame:
    table = platform()
    table.loc[table["JCBH"] == pid, header] += delta_mu
    return table


def test_equal_figures_give_no_finding() -> None:
    assert _r19(platform()).empty
    # within 0.01 亩, and exactly 0.01 亩, is within the tolerance
    assert _r19(_changed("P1", "GDMJ（亩）", 0.009)).empty
    assert _r19(_changed("P1", "YJJBNTMJ（亩）", -0.01)).empty


def test_a_difference_of_0_02_mu_is_one_finding_with_both_figures() -> None:
    found = _r19(_changed("P1", "GDMJ（亩）", 0.02))
    assert len(found) == 1
    row = found.iloc[0]
    assert (row["patch_id"], row["township_name"], row["severity"]) == ("P1", "融水镇", "warning")
    ours = 1000.0 / MU  # 1.5 亩
    assert f"平台 {ours + 0.02:.4f} 亩" in row["message"]
    assert f"计算 {ours:.4f} 亩" in row["message"]
    assert "相差 0.0200 亩" in row["message"] and "GDMJ" in row["message"]


def test_the_tolerance_and_the_farmland_basis_are_options() -> None:
    table = _changed("P1", "GDMJ（亩）", 0.02)
    assert _r19(table, platform_tolerance_mu=0.05).empty
    # against the gross overlap (1200 m² = 1.8 亩) every farmland patch but P2 differs
    gross = _r19(table, platform_farmland_basis="gross")
    assert sorted(gross["patch_id"]) == ["P1", "P3"]
    with pytest.raises(InputError, match="platform_farmland_basis"):
        _r19(table, platform_farmland_basis="both")
    with pytest.raises(InputError, match="platform_tolerance_mu"):
        _r19(table, platform_tolerance_mu=-1)


def test_military_patches_are_compared_but_never_listed() -> None:
    found = _r19(_changed("JY1", "YJJBNTMJ（亩）", 3.0))
    assert found.empty


def test_unknown_patch_ids_are_an_error_naming_them() -> None:
    table = pd.concat(
        [platform(), pd.DataFrame({"JCBH": ["X9", "X8"], "GDMJ（亩）": [1.0, 2.0]})],
        ignore_index=True,
    )
    with pytest.raises(InputError, match="2 patch id") as err:
        _r19(table)
    assert "X9" in str(err.value) and "X8" in str(err.value)


def test_missing_columns_and_units_are_errors_listing_them() -> None:
    with pytest.raises(FieldError, match="no patch id column") as err:
        read_platform_table(pd.DataFrame({"编号": ["P1"], "GDMJ（亩）": [1.0]}))
    assert "JCBH" in str(err.value) and "编号" in str(err.value)
    with pytest.raises(FieldError, match="no figure column") as err:
        read_platform_table(pd.DataFrame({"JCBH": ["P1"], "面积": [1.0]}))
    assert "GDMJ" in str(err.value) and "YJJBNTMJ" in str(err.value)
    with pytest.raises(FieldError, match="name no unit") as err:
        read_platform_table(pd.DataFrame({"JCBH": ["P1"], "GDMJ": [1.0], "JSYDMJ": [2.0]}))
    assert "GDMJ" in str(err.value) and "JSYDMJ" in str(err.value)
    with pytest.raises(InputError, match="unit='ha' is not allowed"):
        read_platform_table(pd.DataFrame({"JCBH": ["P1"], "GDMJ": [1.0]}), unit="ha")  # type: ignore[arg-type]


def test_bad_rows_are_listed_together() -> None:
    table = pd.DataFrame({"JCBH": ["P1", "P1", None, "P3"], "GDMJ（亩）": [1.0, "一亩", 2.0, -1.0]})
    with pytest.raises(InputError) as err:
        read_platform_table(table)
    text = str(err.value)
    assert "'一亩' is no number" in text and "negative" in text
    assert "without a patch id: 4" in text and "more than once: P1" in text


def test_a_header_unit_wins_and_unit_fills_the_others() -> None:
    table = pd.DataFrame({"监测编号": ["P1"], "GDMJ": ["1,000"], "永久基本农田面积（亩）": [0.45]})
    read = read_platform_table(table, unit="m2")
    assert read.loc["P1", "farmland_m2"] == 1000.0
    assert read.loc["P1", "pbf_m2"] == pytest.approx(0.45 * MU)


def test_a_figure_rsgeo_cannot_compare_is_a_warning() -> None:
    table = platform().assign(**{"JSYDMJ（平方米）": 5.0})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = _r19(table)
    assert found.empty
    notes = [str(w.message) for w in caught if issubclass(w.category, PlatformCheckWarning)]
    assert len(notes) == 1 and "construction_m2" in notes[0]


@pytest.mark.parametrize("kind", ["csv", "xlsx", "dbf"])
def test_files_in_every_format(tmp_path: Path, kind: str) -> None:
    table = _changed("P3", "YJJBNTMJ（亩）", 0.5)
    path = tmp_path / f"platform.{kind}"
    if kind == "csv":
        path.write_bytes(table.to_csv(index=False).encode("gbk"))
    elif kind == "xlsx":
        table.to_excel(path, index=False)
    else:  # a DBF: its field names hold no unit, the figures are in 亩
        frame = table.rename(columns={"GDMJ（亩）": "GDMJ", "YJJBNTMJ（亩）": "YJJBNTMJ"})
        pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding="GBK")
    read = read_platform_table(path, unit="mu" if kind == "dbf" else None)
    findings = run_review(patches(), platform=read).findings
    found = findings.loc[findings["rule_id"] == "R19"]
    assert found[["patch_id", "township_name"]].values.tolist() == [["P3", "和睦镇"]]
    assert "YJJBNTMJ" in found.iloc[0]["message"]
