"""Shared fixtures: small synthetic events in the layout `trkx prepare` writes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trkx_train.synthetic import write_dataset  # noqa: E402

torch.set_num_threads(2)


@pytest.fixture(scope="session")
def synthetic_data(tmp_path_factory) -> tuple[Path, Path]:
    """(train_dir, val_dir): 3 + 2 synthetic events (~120 particles each) with candidate edges."""
    root = tmp_path_factory.mktemp("synthetic")
    train = write_dataset(root / "train", 3, seed=11, n_particles=120)
    val = write_dataset(root / "val", 2, seed=12, n_particles=120)
    return train, val


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: runs the trkx binary (scripts/train.sh --smoke, the reference chain); needs TRKX_BIN")
