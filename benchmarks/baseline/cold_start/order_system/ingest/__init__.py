"""The example's ingestion handler as written before it was made lean (a ``boto3.resource`` table at import)."""
