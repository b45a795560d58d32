"""The shipped partnership profiles and most-similar groups: complete, consistent, reproducible."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

from tests.conftest import shared_or_skip

ROOT = Path(__file__).resolve().parents[2]
DIR = ROOT / "data" / "comparisons"
NATIONAL = ROOT.parent / "shared" / "data" / "national"


def _build_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("build_profiles", DIR / "build_profiles.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_profiles_cover_every_partnership_once() -> None:
    profiles = pd.read_csv(DIR / "csp_profiles.csv", dtype={"csp_code": str})
    assert len(profiles) == 314 and profiles["csp_code"].is_unique
    assert profiles["residents"].sum() == 59_597_576  # Census 2021, England and Wales
    assert profiles["deprived_share"].between(0, 1).all() and profiles["rural_share"].between(0, 1).all()
    assert (profiles["density"] > 0).all()
    newport = profiles.set_index("csp_name").loc["Newport"]
    assert newport["force"] == "Gwent" and newport["la_codes"] == "W06000022"
    assert 185 < newport["area_km2"] < 195  # Newport is about 190 km²


def test_similar_groups_recompute_from_the_shipped_profiles() -> None:
    build = _build_module()
    profiles = pd.read_csv(DIR / "csp_profiles.csv", dtype={"csp_code": str})
    shipped = pd.read_csv(DIR / "similar_partnerships.csv", dtype={"csp_code": str, "similar_code": str})
    again = build.similar_groups(profiles)
    pd.testing.assert_frame_equal(shipped, again.reset_index(drop=True), check_dtype=False)
    assert shipped.groupby("csp_code").size().eq(15).all()
    assert not (shipped["csp_code"] == shipped["similar_code"]).any()


def test_profiles_rebuild_from_the_national_geography(tmp_path: Path) -> None:
    shared_or_skip(NATIONAL / "lsoa21_ward_lad_csp_pfa.csv")  # fails instead when CSPDASH_REQUIRE_SHARED=1
    build = _build_module()
    assert build.main(["--national", str(NATIONAL), "--out", str(tmp_path)]) == 0
    for name in ("csp_profiles.csv", "similar_partnerships.csv"):
        assert (tmp_path / name).read_bytes() == (DIR / name).read_bytes(), name
