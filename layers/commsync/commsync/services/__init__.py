"""Use-cases, one module each: dispatch, poll, record (comment writes), manage."""
