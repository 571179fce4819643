"""Lambda code of the CrudApi construct (runtime code: boto3 and Powertools only, never aws_cdk).

The construct ships this package as ``crud_api`` inside one asset shared by the REST API's two
functions: ``crud_api.read.handler`` (GET) and ``crud_api.write.handler`` (POST, PUT, DELETE),
together with ``crud_api/config.json``, the resources the API serves. ``contract.py`` defines
every name the construct and the handlers share; it is the one module here the construct imports.
"""
