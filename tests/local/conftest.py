"""The local cloud's own pytest fixtures, for the tests in this folder.

(Users enable them with ``pytest_plugins = ["serverless_patterns.local.pytest_plugin"]`` in
their top-level conftest; a nested conftest may not declare ``pytest_plugins``, so they are
imported here.)
"""

from serverless_patterns.local.pytest_plugin import local_app, local_cdk_out, local_cloud

__all__ = ["local_app", "local_cdk_out", "local_cloud"]
