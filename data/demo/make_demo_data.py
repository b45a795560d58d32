"""Rebuild the demo data in data/demo from the shared source files (run once by a maintainer, not by the app)."""

from __future__ import annotations

import csv
import sys
import zipfile
from pathlib import Path

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


def make_geography(target: Path) -> None:
    """The five Gwent partnerships, declared against the shipped national geography (data/geography places every
    record, gives Census 2021 residents and the boundaries)."""
    target.mkdir(parents=True, exist_ok=True)
    with open(target / "partnerships.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["partnership_code", "partnership_name", "display_name", "force", "la_code"])
        for code, name, display in PARTNERSHIPS:
            writer.writerow([code, name, display, "Gwent Police", code])


def main(shared: Path, demo: Path) -> None:
    """Rebuild everything in demo from the shared data folder."""
    make_police_zip(shared / "police_uk" / "gwent", demo / "police_uk_gwent.zip")
    make_geography(demo / "geography")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"), Path(__file__).resolve().parent)
