"""Write examples/data/penguins.csv from the Palmer penguins data shipped by the ``palmerpenguins`` package.

    pip install 'qtheory[penguins]'      # or: pip install palmerpenguins
    python examples/data/make_penguins_csv.py [OUT.csv]

The package's ``data/penguins.csv`` (344 penguins; species, island, four measurements, sex, year) becomes a
numeric CSV that ``qtheory certify-data --dataset FILE.csv`` reads: the four measurements (bill length and
depth in mm, flipper length in mm, body mass in g) and, last, the species as a class code (Adelie 0,
Chinstrap 1, Gentoo 2).  The two rows with missing measurements are dropped (342 rows remain).  The file is
located without importing the package (its import needs pandas), and read with the csv module.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

SPECIES = ("Adelie", "Chinstrap", "Gentoo")
FEATURES = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")


def source() -> Path:
    spec = importlib.util.find_spec("palmerpenguins")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("make_penguins_csv: error: the palmerpenguins package is not installed "
                         "(pip install palmerpenguins)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "penguins.csv"


def convert(src: Path, out: Path) -> int:
    with src.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    kept = [r for r in rows if all(r[f] not in ("", "NA") for f in FEATURES)]
    with out.open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([*FEATURES, "species"])
        for r in kept:
            writer.writerow([*(r[f] for f in FEATURES), SPECIES.index(r["species"])])
    return len(kept)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("penguins.csv")
    print(f"{convert(source(), target)} rows written to {target}")
