"""The Palmer penguins CSV shipped in examples/data: its provenance and a certificate through --dataset FILE.csv."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qtheory.certify_data import Config, certify_dataset, prepare_data
from qtheory.data import load_csv

DATA = Path(__file__).resolve().parents[1] / "examples" / "data"
CSV = DATA / "penguins.csv"


def test_the_shipped_csv():
    ds = load_csv(CSV)
    assert ds.X.shape == (342, 4)
    assert np.bincount(ds.y.astype(int)).tolist() == [151, 68, 123]  # Adelie, Chinstrap, Gentoo
    assert (DATA / "PENGUINS_LICENSE.md").read_text().count("CC0") >= 1


@pytest.mark.skipif(importlib.util.find_spec("palmerpenguins") is None, reason="palmerpenguins not installed")
def test_the_csv_is_what_the_script_makes_from_the_package(tmp_path):
    out = tmp_path / "penguins.csv"
    subprocess.run([sys.executable, str(DATA / "make_penguins_csv.py"), str(out)], check=True, capture_output=True)
    assert out.read_bytes() == CSV.read_bytes()


def test_a_certificate_through_the_csv_path():
    configs = [Config(lam=2 * 0.005 / 1.5, K=1, step=1.5), Config(lam=2 * 0.002, K=1, step=1.0)]
    r = json.loads(json.dumps(certify_dataset(str(CSV), seed=0, configs=configs, ste_options={"epochs": 150})))
    data = prepare_data(str(CSV), seed=0)
    assert r["n_classes"] == 3 and r["p"] == 4 * 3 + 3 and r["n_train"] == data.cert.n and r["M"] == 2
    # three species from four measurements: a few weights separate them well, with a certificate far from 1
    assert r["train_error"] <= 0.1 and r["bound_V4"] <= 0.35 and r["bound_V4"] <= r["bound_V1"]
