"""What public output hides: for each Gwent partnership, the share of cells its protection hides, by view.

Works each partnership's protection out (metrics.public.partnership_protection, as the first public visit does)
on the demo store and prints, for all crime and three crime types, the share hidden ('<5' or '[c]') of: the
partnership's months (Crime trends at partnership level), the wards' months (at ward level), the partnership's
12-month periods at every end (the Overview's tiles, Hot spots' totals) and the LSOAs' latest 12 months (Hot
spots' map). Run it with ``PYTHONPATH`` pointing at another copy to compare a change of the protection.

    python bench/public_hidden.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_queries import SCALES, ensure_store, md_table  # noqa: E402

FORCE = "Gwent Police"
PARTNERSHIPS = ["W06000022", "W06000018", "W06000019", "W06000020", "W06000021"]
CHOICES = ["all crime", "Burglary", "Violence and sexual offences", "Anti-social behaviour"]


def main() -> int:
    """Print one row per partnership and choice."""
    import duckdb

    from cspdash.metrics import crime, public
    from cspdash.metrics.hidden_cells import EMPTY
    from cspdash.metrics.period import add_months

    store = ensure_store(SCALES["partnership"]).path
    from cspdash.store.versions import Store

    pin = Store(store).pin()
    assert pin is not None
    con = duckdb.connect(str(pin.path), read_only=True)
    months = crime.published_months(con, FORCE)
    rows = []
    for code in PARTNERSHIPS:
        start = time.perf_counter()
        protection = public.partnership_protection(con, code, FORCE)
        seconds = time.perf_counter() - start
        counts = public._type_counts(con, code)
        wards, lsoas = sorted(set(counts["ward_code"])), sorted(set(counts["lsoa_code"]))
        ends = months[11:]
        for choice in CHOICES:
            primary, secondary = protection.get(choice, (EMPTY, EMPTY))

            def share(level: str, areas: list[str], grain: str, keys: list[object]) -> str:
                cells = [(level, a, grain, k) for a in areas for k in keys]
                hidden = sum(1 for c in cells if c in primary or c in secondary)  # noqa: B023
                return f"{hidden / len(cells):.0%}"

            rows.append([code, f"{seconds:.1f}", choice, share("partnership", [code], "month", list(months)),
                         share("ward", wards, "month", list(months)),
                         share("partnership", [code], "window", [(add_months(e, -11), e) for e in ends]),
                         share("lsoa", lsoas, "window", [(months[-12], months[-1])])])
    print(f"### What public output hides (demo store, {len(months)} months; load {os.getloadavg()})\n")
    print(md_table(["partnership", "worked out (s)", "choice", "partnership's months", "wards' months",
                    "partnership's 12-month periods", "LSOAs' latest 12 months"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
