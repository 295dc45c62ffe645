"""Helpers for template tests: build the app once per module, read templates by stack role."""

from __future__ import annotations

import os

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
