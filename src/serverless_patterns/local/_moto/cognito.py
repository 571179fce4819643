"""moto's Cognito user pools: the keys their tokens are signed with."""

from __future__ import annotations

import json
from typing import Any


def cognito_jwks(user_pool_id: str, region: str, account: str) -> dict[str, Any]:
    """The public JSON Web Key Set of a user pool in this process's moto (the keys its tokens are signed with).

    The public half of the key the pool signs with; for a pool moto does not hold, the set moto
    serves at ``/<user pool id>/.well-known/jwks.json``.

    Examples
    --------
    >>> [key["kid"] for key in cognito_jwks("us-east-1_unknown", "us-east-1", "123456789012")["keys"]]
    ['dummy']
    """
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.cognitoidp.responses import CognitoIdpJsonWebKeyResponse

    pool = cognitoidp_backends[account][region].user_pools.get(user_pool_id)
    if pool is None:
        served: dict[str, Any] = json.loads(CognitoIdpJsonWebKeyResponse.json_web_key)
        return served
    return {"keys": [dict(pool.json_web_key.as_dict(private=False))]}
