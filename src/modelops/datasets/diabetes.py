"""scikit-learn's bundled diabetes data set as the CSV the preprocess step reads.

442 real patients (Efron et al., 2004, "Least Angle Regression"): ten baseline variables (age, sex,
body mass index, average blood pressure, six blood serum measurements), already mean-centred and
scaled by scikit-learn, and the target: a quantitative measure of disease progression one year later.
It is installed with scikit-learn, so local runs are offline and every machine hashes the same bytes.
"""

from __future__ import annotations

from pathlib import Path

TARGET = "target"


def write_diabetes_csv(path: Path) -> Path:
    """Write the data set as CSV (header row, target last) to ``path``; returns ``path``."""
    import numpy as np  # local imports: the CLI loads this module without paying for sklearn up front
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes()
    table = np.column_stack([bunch.data, bunch.target])
    header = ",".join([*bunch.feature_names, TARGET])
    path.parent.mkdir(parents=True, exist_ok=True)
    # A fixed number format keeps the bytes, and so the data version hash, stable across platforms.
    np.savetxt(path, table, delimiter=",", header=header, comments="", fmt="%.10g")
    return path
