"""Imports a module that only its Lambda layer provides."""

import conformance_layer_helper


def handler(event, context):
    return {"greeting": conformance_layer_helper.GREETING}
