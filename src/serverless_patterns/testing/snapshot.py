"""Snapshot-friendly templates: infrastructure changes show, handler code edits don't."""

from __future__ import annotations

import json
import re
from typing import Any

from aws_cdk import Stack
from aws_cdk.assertions import Template

_ASSET_HASH = re.compile(r"[0-9a-f]{64}")


def normalized_template(stack: Stack) -> dict[str, Any]:
    """``stack``'s template with asset content hashes replaced by ``"<asset-hash>"``.

    API Gateway deployment ids keep their 32-hex hash: it changes with the API and is meaningful.
    """
    text = json.dumps(Template.from_stack(stack).to_json(), sort_keys=True)
    result: dict[str, Any] = json.loads(_ASSET_HASH.sub("<asset-hash>", text))
    return result
