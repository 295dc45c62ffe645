"""``python -m modelops.datasets OUTPUT.csv``: write the bundled diabetes data set as the pipeline's input CSV.

Upload it under the deployed pipeline's ``InputDataPrefix`` (a PipelineStack output) and a real execution
trains on exactly the bytes local runs hash as their data version.
"""

import sys
from pathlib import Path

from modelops.datasets import write_diabetes_csv

if len(sys.argv) != 2:
    sys.exit("usage: python -m modelops.datasets OUTPUT.csv")
print(write_diabetes_csv(Path(sys.argv[1])))
