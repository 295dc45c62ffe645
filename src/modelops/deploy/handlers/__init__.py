"""Lambda entry points, one per event type: parse, log, delegate to ``modelops.deploy``."""
