"""The CDK app of modelops (``app.py``): stacks wire constructs; constructs import ``modelops``, never the reverse."""

from pathlib import Path

# Where synth writes what it builds (the Lambda bundle, the training code archive): the checkout's build/.
BUILD_ROOT = Path(__file__).resolve().parent.parent / "build"
