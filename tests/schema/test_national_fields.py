"""The fields of the 2020 national export and of the 2026 clue table have canonical names."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from rsgeo.io.reading import read_patches
from rsgeo.schema.fields import DETERMINATION_FIELDS, PATCH_FIELDS, canonical_name

EXPORT_2020 = [
    "NF",
    "JD",
    "XZQDM",
    "JCBH",
    "YSTBBH",
    "XFSJ",
    "PDJG",
    "JCMJ",
    "JCGDMJ",
    "YJJBNTMJ",
    "TBLX",
    "QSX",
    "HSX",
    "LZB",
    "BZB",
    "GDMJ",
    "JSYDMJ",
    "PZWH",
    "WFLX",
    "XZJSYDWFXW",
    "CLJSYDSWFXW",
    "PDYJSM",
    "SHYJ",
    "SFSK",
    "TYWZJCTBWQBH",
]
CLUES_2026 = [
    "线索编号",
    "MJ",
    "TZ",
    "DDTC",
    "JSYDXZ",
    "CZCSXM",
    "TBXHDM",
    "TBXHMC",
    "ZZSXDM",
    "ZZSXMC",
]


@pytest.mark.parametrize("field", EXPORT_2020 + CLUES_2026)
def test_every_national_field_has_a_canonical_snake_case_name(field: str) -> None:
    name = canonical_name(field, PATCH_FIELDS)
    assert name is not None and name == name.lower() and " " not in name


def test_areas_say_their_unit_and_platform_words_never_take_rsgeos_columns() -> None:
    for field in ("JCMJ", "MJ", "JCGDMJ", "YJJBNTMJ", "GDMJ", "JSYDMJ"):
        assert str(canonical_name(field, PATCH_FIELDS)).endswith("_m2")
    assert canonical_name("PDJG", PATCH_FIELDS) == "platform_determination"
    assert canonical_name("WFLX", PATCH_FIELDS) == "platform_illegal_type"
    assert canonical_name("TYWZJCTBWQBH", PATCH_FIELDS) == "earlier_patch_id"
    assert canonical_name("线索编号", DETERMINATION_FIELDS) == "patch_id"
    assert canonical_name("核实认定意见", DETERMINATION_FIELDS) == "determination"


def test_a_clue_file_reads_with_its_clue_ids(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clues = gpd.GeoDataFrame(
        {
            "线索编号": ["130208SJBG26210951", "130208SJBG26210952"],
            "TBLX": ["1", "DL2"],
            "MJ": [1234.5, 99.0],
            "ZZSXDM": ["FLS", ""],
        },
        geometry=[box(500000, 2800000, 500010, 2800010), box(500020, 2800000, 500030, 2800010)],
        crs=4545,
    )
    clues.to_file(tmp_path / "clues.gpkg")
    patches = read_patches(tmp_path / "clues.gpkg")
    assert patches.index.tolist() == ["130208SJBG26210951", "130208SJBG26210952"]
    assert patches["reported_area_m2"].tolist() == [1234.5, 99.0]
    assert "planting_code" in patches.columns
