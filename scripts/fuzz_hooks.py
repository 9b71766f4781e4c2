"""Schemathesis hooks for scripts/api-fuzz.sh: how to send mamori's NDJSON ingest body.

Schemathesis has no serializer for application/x-ndjson; a generated string goes out as it
is (one or more lines), anything else as one JSON line.
"""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        # Unpaired surrogates become invalid UTF-8 on purpose: the server must cope with it.
        return value.encode("utf-8", "surrogatepass")
    return (json.dumps(value) + "\n").encode("utf-8", "surrogatepass")
