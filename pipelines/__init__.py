"""SageMaker pipeline definitions (SDK v3) and the step scripts that run inside SageMaker containers.

Where data scientists work: ``training`` builds the training pipeline (``get_pipeline``), ``steps/`` holds
the scripts its containers run. Importing this package is cheap (no SDK); the scripts are found through
the package, wherever it is installed (``steps_dir``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def steps_dir() -> Path:
    """The folder of the step scripts (``pipelines/steps``), found through the installed package."""
    return Path(str(resources.files("pipelines.steps")))
