"""Hand-written Lambda handlers that do the library handlers' jobs the usual way, for ``bench_cold_start``.

Each folder is a Lambda task root (the handler is ``index.handler``): Powertools from its layer,
boto3 from the runtime, clients and the Powertools objects made at import, as the Powertools and
Lambda documentation show. They are measured against the library's handlers in the same run.
"""
