"""Approval-driven deployment: the logic behind the deployer Lambdas.

Each handler in ``handlers/`` parses one event type and calls one function here with injected boto3
clients. Events are hints: every function re-reads the model package and the endpoint and does nothing when
the world already matches. This package imports boto3 and the standard library only (plus Powertools in
the handlers), because it is what ships in the Lambda bundle.
"""
