"""Rebuild the demo data in data/demo from the shared source files (run once by a maintainer, not by the app)."""

from __future__ import annotations

import csv
import shutil
import sys
import zipfile
from pathlib import Path

GWENT_LAS = ("W06000018", "W06000019", "W06000020", "W06000021", "W06000022")
PARTNERSHIPS = [
    ("W06000018", "Caerphilly", "Caerphilly Community Safety Partnership"),
    ("W06000019", "Blaenau Gwent", "Blaenau Gwent Community Safety Partnership"),
    ("W06000020", "Torfaen", "Torfaen Community Safety Partnership"),
    ("W06000021", "Monmouthshire", "Monmouthshire Community Safety Partnership"),
    ("W06000022", "Newport", "Newport Community Safety Partnership"),
]
# a fixed timestamp so rebuilding gives a byte-identical zip
_ZIP_TIME = (2025, 7, 31, 0, 0, 0)


def make_police_zip(source: Path, target: Path) -> None:
    """Zip YYYY-MM/ folders of street and outcomes CSVs the way data.police.uk ships its download."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for month_dir in sorted(p for p in source.iterdir() if p.is_dir()):
            for kind in ("street", "outcomes"):
                member = month_dir / f"{month_dir.name}-gwent-{kind}.csv"
                info = zipfile.ZipInfo(f"{month_dir.name}/{member.name}", date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, member.read_bytes(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


def _filter_csv(source: Path, target: Path, keep: object) -> int:
    """Copy the header and the rows for which keep(row) is true, byte-for-byte line endings preserved."""
    kept = 0
    with open(source, newline="", encoding="utf-8-sig") as src, open(target, "w", newline="", encoding="utf-8") as out:
        reader = csv.reader(src)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(next(reader))
        for row in reader:
            if keep(row):  # type: ignore[operator]
                writer.writerow(row)
                kept += 1
    return kept


def make_geography(source: Path, target: Path) -> None:
    """The Welsh subset of the ONS lookups, every local authority, and the Gwent boundaries."""
    target.mkdir(parents=True, exist_ok=True)
    _filter_csv(source / "techinesis_lsoa_to_ward.csv", target / "lsoa_to_ward.csv", lambda r: r[0].startswith("W01"))
    _filter_csv(source / "ward_all_codes.csv", target / "wards.csv", lambda r: r[0].startswith("W05"))
    _filter_csv(source / "la_all_codes.csv", target / "local_authorities.csv", lambda r: True)
    _filter_csv(source / "lsoa_latlong.csv", target / "lsoa_centroids.csv", lambda r: r[0].startswith("W01"))
    _filter_csv(source / "census_2011_population_hh.csv", target / "population.csv", lambda r: r[6].startswith("W01"))
    for area in ("lsoa", "msoa", "ward"):
        for la in GWENT_LAS:
            out = target / "boundaries" / f"{area}_{la}.geojson"
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / "boundaries" / area / f"{la}.geojson", out)
    with open(target / "partnerships.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["partnership_code", "partnership_name", "display_name", "force", "la_code"])
        for code, name, display in PARTNERSHIPS:
            writer.writerow([code, name, display, "Gwent Police", code])


def main(shared: Path, demo: Path) -> None:
    """Rebuild everything in demo from the shared data folder."""
    make_police_zip(shared / "police_uk" / "gwent", demo / "police_uk_gwent.zip")
    make_geography(shared / "geography", demo / "geography")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"), Path(__file__).resolve().parent)
