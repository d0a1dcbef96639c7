"""The sample's synthetic evidence package: its photos find the patches they were made for."""

from __future__ import annotations

import pandas as pd
import pytest

from rsgeo.io.evidence import match_photos, read_evidence
from rsgeo.io.sample import load_sample, sample_manifest, sample_path
from rsgeo.schema.labels import EVIDENCE_PROBLEM_LABELS

pytest.importorskip("PIL")


def test_the_sample_package_places_four_photos_and_reports_two() -> None:
    files = sample_manifest()["files"]
    photos = read_evidence(sample_path(*files["evidence"].split("/")))
    assert len(photos) == 6
    patches = pd.concat(
        [f.to_crs(4545) for f in load_sample(layers=[], determinations=False).patches.values()]
    )
    patches = patches[~patches.index.duplicated(keep="last")]
    m = match_photos(photos, patches)
    chipped = {c.split("/")[-1].split("_")[0] for c in files["imagery"]}
    assert set(m.placed["matched_patch"]) == chipped
    assert sorted(m.placed["matched_by"]) == ["id", "id", "position", "position"]
    assert sorted(m.unplaced["reason"]) == sorted(
        [EVIDENCE_PROBLEM_LABELS["outside"], EVIDENCE_PROBLEM_LABELS["corrupt"]]
    )
    assert m.n_sealed == 0
