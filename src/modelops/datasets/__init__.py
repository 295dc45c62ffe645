"""Real data sets that ship inside installed packages, so local runs need no download."""

from modelops.datasets.diabetes import TARGET, write_diabetes_csv

__all__ = ["TARGET", "write_diabetes_csv"]
