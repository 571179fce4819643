"""Code shipped in a Lambda layer: found on the function's import path under /opt/python."""

GREETING = "hello from the layer"
