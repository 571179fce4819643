"""The example's order handlers as written before they were made lean, kept verbatim for ``bench_cold_start``.

The usual way: ``state.py`` makes a ``boto3.resource("dynamodb").Table`` at import, so every
handler module of the asset builds it, whether it touches the table or not.
"""
