"""An IAM policy evaluator of the project's own (stdlib + the service authorization reference data)."""
