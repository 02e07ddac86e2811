"""Developer tools run through make (never shipped in the Lambda layer)."""
