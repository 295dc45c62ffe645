"""modelops: a SageMaker model registry with governed stages and approval-driven deployment."""

__version__ = "0.1.0"
