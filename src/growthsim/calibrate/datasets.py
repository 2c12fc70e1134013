"""Real transaction logs shipped inside installed packages (nothing is downloaded).

``cdnow_sample``: the CDNOW sample of Fader, Hardie & Lee (2005), "Counting your customers
the easy way": 2,357 customers who made their first purchase at the CD retailer CDNOW in
January–March 1997, and all their purchases until 30 June 1998 (6,919 order lines). The
file ships in the ``lifetimes`` wheel (``lifetimes/datasets/CDNOW_sample.txt``: columns
master id, sample id, date ``YYYYMMDD``, number of CDs, amount in dollars). It is located
with :mod:`importlib.util` rather than ``lifetimes.datasets``, whose loader needs
``pkg_resources`` (no longer shipped with current setuptools).

    python -m growthsim.calibrate.datasets cdnow OUT.csv

writes it as a transaction log (``customer_id, date, amount``) for ``growthsim calibrate
--transactions``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd

from growthsim.errors import UserError
from growthsim.i18n import _


def package_file(package: str, *parts: str) -> Path:
    """A data file inside an installed package, or a UserError saying what to install."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise UserError(
            _("the data set needs the Python package {package!r}: pip install {package}").format(package=package)
        )
    p = Path(spec.origin).parent.joinpath(*parts)
    if not p.is_file():
        raise UserError(_("{p}: not found in the installed {package!r} package").format(p=p, package=package))
    return p


def cdnow_sample() -> pd.DataFrame:
    """The CDNOW sample as a transaction log frame: ``customer_id`` (the sample id),
    ``date`` (datetime.date), ``amount`` (dollars), one row per order line."""
    p = package_file("lifetimes", "datasets", "CDNOW_sample.txt")
    df = pd.read_csv(
        p,
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
        dtype={"date": str, "customer_id": str},
    )
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d").dt.date
    return df[["customer_id", "date", "amount"]]


DATASETS = {"cdnow": cdnow_sample}


def write_dataset(name: str, out: str | Path) -> Path:
    if name not in DATASETS:
        raise UserError(
            _("unknown data set {name!r}; expected one of: {value}").format(name=name, value=", ".join(DATASETS))
        )
    df = DATASETS[name]()
    out = Path(out)
    df.assign(date=[d.isoformat() for d in df["date"]]).to_csv(out, index=False)
    return out


if __name__ == "__main__":  # pragma: no cover - thin wrapper
    if len(sys.argv) != 3:
        print("usage: python -m growthsim.calibrate.datasets cdnow OUT.csv", file=sys.stderr)
        sys.exit(2)
    try:
        print(write_dataset(sys.argv[1], sys.argv[2]))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
