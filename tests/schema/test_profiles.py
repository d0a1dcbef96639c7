"""Vocabulary profiles: detection from the determination table, explicit profiles,
the 2026 classes in the statistics (issue 12, deliverable 6)."""

from __future__ import annotations

import pandas as pd
import pytest

import rsgeo
from rsgeo.analysis.determination import apply_determinations
from rsgeo.errors import ProfileError
from rsgeo.io.determination_table import read_determinations
from rsgeo.job import JobFileError, parse_job
from rsgeo.options import DeterminationOptions, StatsOptions
from rsgeo.stats.township import township_stats

TABLE_2020 = pd.DataFrame({"监测编号": ["a", "b", "c"], "判定结果": ["违法", "合法用地", "其他"]})
TABLE_2026 = pd.DataFrame(
    {
        "线索编号": ["a", "b", "c", "d"],
        "核实认定意见": ["非农违法-工矿商服", "合法（批文）", "农村道路", "设施农用地"],
        "认定子类": ["厂房", "", "", ""],
    }
)


def _report(table: pd.DataFrame, **options: object):  # type: ignore[no-untyped-def]
    return read_determinations(table, **options).attrs["rsgeo_determinations_report"]


def test_a_2020_table_is_detected_as_2020() -> None:
    report = _report(TABLE_2020)
    assert (report.profile, report.profile_how) == ("2020", "detected")
    assert "违法 (1) belong only to the 2020 profile" in report.profile_reason


def test_a_2026_table_is_detected_as_2026_and_its_subtypes_kept() -> None:
    table = read_determinations(TABLE_2026)
    report = table.attrs["rsgeo_determinations_report"]
    assert (report.profile, report.profile_how) == ("2026", "detected")
    assert "非农违法 (1), 农村道路 (1), 设施农用地 (1)" in report.profile_reason
    assert table["determination"].tolist() == ["非农违法", "合法", "农村道路", "设施农用地"]
    assert table.loc["a", "determination_subtype"] == "工矿商服-厂房"
    assert table.loc["b", "determination_subtype"] == "批文"


def test_a_table_mixing_both_is_refused_listing_the_values() -> None:
    mixed = pd.DataFrame(
        {"监测编号": ["a", "b", "c", "d"], "判定结果": ["违法", "违法", "非粮违法", "合法"]}
    )
    with pytest.raises(ProfileError) as err:
        read_determinations(mixed, on_invalid="warn")  # never only a warning
    text = str(err.value)
    assert "mix the vocabularies of two profiles" in text
    assert "only 2020 knows 违法 (2)" in text
    assert "only 2026 knows 非粮违法 (1)" in text
    assert "both know 合法 (1)" in text


def test_an_explicit_profile_that_contradicts_the_table_names_the_values() -> None:
    with pytest.raises(ProfileError) as err:
        read_determinations(TABLE_2026, profile="2020")
    text = str(err.value)
    assert 'profile "2020" was set' in text
    assert "非农违法 (1), 农村道路 (1), 设施农用地 (1)" in text
    assert "合法" not in text.split("not in it:")[1].split(";")[0]
    assert 'Set profile = "2026"' in text
    with pytest.raises(ProfileError, match=r"values not in it: 违法 \(1\)"):
        read_determinations(TABLE_2020, options=DeterminationOptions(profile="2026"))


def test_an_explicit_profile_that_fits_is_said_to_be_set() -> None:
    report = _report(TABLE_2026, profile="2026")
    assert (report.profile, report.profile_how) == ("2026", "set")


def test_values_both_profiles_know_fall_back_to_2020_and_say_so() -> None:
    report = _report(pd.DataFrame({"监测编号": ["a"], "判定结果": ["合法"]}))
    assert (report.profile, report.profile_how) == ("2020", "default")
    assert "only values both profiles know (合法 (1))" in report.profile_reason


def test_the_profile_choice_is_checked_with_the_allowed_values() -> None:
    with pytest.raises(rsgeo.errors.InputError, match=r"\['auto', '2020', '2026'\]"):
        DeterminationOptions(profile="2025")
    with pytest.raises(rsgeo.errors.InputError, match=r"\['auto', '2020', '2026'\]"):
        StatsOptions(profile="x")


def test_suggestions_speak_the_2026_words_when_the_table_does() -> None:
    classified = pd.DataFrame(
        {
            "suggested_class": ["违法", "其他", "合法", "违法"],
            "suggested_subtype": ["疑似违法", "设施农用地", "批准用地", "疑似违法"],
        },
        index=pd.Index(["a", "b", "c", "x"], name="patch_id"),
    )
    out = apply_determinations(classified, TABLE_2026.iloc[:1])
    assert out["suggested_class"].tolist() == ["非农违法", "设施农用地", "合法", "非农违法"]
    assert out["final_class"].tolist() == ["非农违法", "设施农用地", "合法", "非农违法"]
    same = apply_determinations(classified, TABLE_2020.iloc[:1])
    assert same["suggested_class"].tolist() == ["违法", "其他", "合法", "违法"]


# ---------------------------------------------------------------- statistics

TOWNS = pd.DataFrame({"township_code": ["450225100"], "township_name": ["融水镇"]})


def _patches(classes: list[str]) -> pd.DataFrame:
    n = len(classes)
    return pd.DataFrame(
        {
            "township_code": ["450225100"] * n,
            "area_m2": [1000.0 * (i + 1) for i in range(n)],
            "farmland_net_m2": [100.0 * (i + 1) for i in range(n)],
            "final_class": classes,
            "is_construction": [True] * n,
        },
        index=pd.Index([f"p{i}" for i in range(n)], name="patch_id"),
    )


def test_what_each_2026_class_means_for_the_statistics() -> None:
    classes = ["非农违法", "农村道路", "设施农用地", "非粮违法", "合法", "其他"]
    stats = township_stats(_patches(classes), townships=TOWNS)
    row = stats.loc["450225100"]
    # only 非农违法 (p0: 1000 m², 100 m² farmland) is illegal
    assert (row["n_illegal"], row["n_legal"], row["n_other"]) == (1, 1, 4)
    assert row["illegal_area_m2"] == 1000.0
    assert row["illegal_farmland_after_deductions_m2"] == 100.0
    # 非粮违法 (p3: 4000 m²) apart: its own columns, not in the ratio
    assert (row["n_non_grain"], row["non_grain_area_m2"]) == (1, 4000.0)
    assert row["construction_farmland_m2"] == 100.0 * (1 + 2 + 3 + 4 + 5 + 6)
    assert row["illegal_farmland_ratio"] == pytest.approx(100.0 / 2100.0)
    # rural roads counted as illegal when the county says so
    wider = township_stats(
        _patches(classes),
        townships=TOWNS,
        options=StatsOptions(illegal_classes=["非农违法", "农村道路"]),
    )
    assert wider.loc["450225100", "illegal_farmland_after_deductions_m2"] == 300.0
    assert wider.loc["450225100", "n_non_grain"] == 1


def test_2020_statistics_have_nothing_apart() -> None:
    stats = township_stats(_patches(["违法", "合法", "其他"]), townships=TOWNS)
    assert stats.loc["total", "n_illegal"] == 1
    assert stats.loc["total", "n_non_grain"] == 0
    assert stats.loc["total", "non_grain_area_m2"] == 0.0


def test_statistics_refuse_a_profile_the_classes_do_not_speak() -> None:
    with pytest.raises(ProfileError, match=r"values not in it: 非农违法 \(1\)"):
        township_stats(_patches(["非农违法"]), townships=TOWNS, profile="2020")
    with pytest.raises(ProfileError, match="mix the vocabularies"):
        township_stats(_patches(["非农违法", "违法"]), townships=TOWNS)


# ---------------------------------------------------------------- the job file

_MINIMAL = {
    "patches": [{"path": "patches/2020Q3_jctb.gpkg"}],
    "layers": {"farmland": {"path": "landuse/dltb.gpkg"}},
    "townships": {"path": "boundaries/townships.gpkg"},
}


def test_the_job_key_sets_the_profile_of_every_stage() -> None:
    base = rsgeo.sample_path()
    job = parse_job({**_MINIMAL, "job": {"profile": "2026"}}, base=base)
    assert job.profile == job.statistics.profile == job.determination_checks.profile == "2026"
    assert parse_job(_MINIMAL, base=base).profile == "auto"
    assert parse_job({**_MINIMAL, "job": {"profile": 2020}}, base=base).profile == "2020"


def test_a_wrong_profile_in_a_job_file_is_named_with_its_key() -> None:
    data = {
        **_MINIMAL,
        "job": {"profile": "2025"},
        "determination_checks": {"profile": "2026"},
    }
    with pytest.raises(JobFileError) as err:
        parse_job(data, base=rsgeo.sample_path())
    text = str(err.value)
    assert "job.profile: '2025' is not allowed; choose one of ['auto', '2020', '2026']" in text
    assert "determination_checks.profile: set the profile in [job]" in text
