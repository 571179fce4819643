"""Cognito user pool authorizers: verifying a user pool's token and the claims API Gateway passes on."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from serverless_patterns.local.api_auth.refusals import (
    unauthorized,
)
from serverless_patterns.local.api_auth.sigv4 import _utc


# -- Cognito user pool authorizers --------------------------------------------------------------
def verify_cognito_token(
    token: str,
    *,
    user_pool_arns: Sequence[str],
    jwks: Mapping[str, Any],
    now: datetime | None = None,
    scopes: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The claims of a Cognito user pool token that a ``COGNITO_USER_POOLS`` authorizer accepts.

    Without ``scopes`` (the method's ``AuthorizationScopes``) API Gateway treats the token as an
    identity token; with them, as an access token that must claim one of the scopes
    (apigateway-enable-cognito-user-pool.html, API_Method.html ``authorizationScopes``).

    Parameters
    ----------
    token
        The JWT from the authorizer's identity source header. Whether API Gateway also accepts
        it behind a ``Bearer`` prefix was not verified; the caller decides.
    user_pool_arns
        The authorizer's ``ProviderARNs``; the token's issuer must be one of these pools.
    jwks
        The public keys of those pools, as a JSON Web Key Set.

    Raises
    ------
    GatewayError
        401 ``{"message": "Unauthorized"}`` for a malformed, badly signed or expired token, a
        token of another pool, or a token of the wrong use or without a required scope.
    ValueError
        For a ``user_pool_arns`` entry that is not a user pool ARN.

    Examples
    --------
    >>> jwks = cognito_jwks("us-east-1_example", "us-east-1", "123456789012")
    >>> pools = ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_example"]
    >>> from serverless_patterns.local.api_auth import GatewayError
    >>> try:
    ...     verify_cognito_token("not-a-jwt", user_pool_arns=pools, jwks=jwks)
    ... except GatewayError as error:
    ...     print(error.status, error.body)
    401 {'message': 'Unauthorized'}
    """
    from joserfc import jwk, jwt
    from joserfc.errors import JoseError

    issuers = {_issuer(arn) for arn in user_pool_arns}
    try:
        claims = dict(jwt.decode(token, jwk.KeySet.import_key_set(dict(jwks)), algorithms=["RS256"]).claims)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError):
        raise unauthorized() from None
    moment = _utc(now or datetime.now(timezone.utc))
    expires = claims.get("exp")
    if claims.get("iss") not in issuers or not isinstance(expires, (int, float)) or expires <= moment.timestamp():
        raise unauthorized()
    if scopes:
        claimed = str(claims.get("scope", "")).split()
        if claims.get("token_use") != "access" or not set(claimed) & set(scopes):
            raise unauthorized()
    elif claims.get("token_use") != "id":
        raise unauthorized()
    return claims


def _issuer(user_pool_arn: str) -> str:
    # arn:aws:cognito-idp:{region}:{account}:userpool/{pool id} -> the iss claim of its tokens
    parts = user_pool_arn.split(":")
    if len(parts) != 6 or parts[2] != "cognito-idp" or not parts[5].startswith("userpool/"):
        raise ValueError(
            f"user pool ARN must be arn:<partition>:cognito-idp:<region>:<account>:userpool/<id>, got {user_pool_arn!r}"
        )
    return f"https://cognito-idp.{parts[3]}.amazonaws.com/{parts[5].removeprefix('userpool/')}"


def cognito_jwks(user_pool_id: str, region: str, account: str) -> dict[str, Any]:
    """The public JSON Web Key Set of a user pool in this process's moto (the keys its tokens are signed with).

    The public half of the key the pool signs with; for a pool moto does not hold, the set moto
    serves at ``/<user pool id>/.well-known/jwks.json`` (read through the moto adapter).

    Examples
    --------
    >>> [key["kid"] for key in cognito_jwks("us-east-1_unknown", "us-east-1", "123456789012")["keys"]]
    ['dummy']
    """
    from serverless_patterns.local import _moto

    return _moto.cognito_jwks(user_pool_id, region, account)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def cognito_claims_context(claims: Mapping[str, Any]) -> dict[str, str]:
    """The ``requestContext.authorizer.claims`` API Gateway passes on for a verified Cognito token.

    Every value is a string; ``exp`` and ``iat`` read as dates, as in events the service sends
    (``"exp": "Sun Dec 17 07:28:12 UTC 2017"`` beside ``"auth_time": "1513492092"``). How the
    service writes list claims such as ``cognito:groups`` was not found; they are comma-joined.

    Examples
    --------
    >>> cognito_claims_context({"sub": "u1", "exp": 1513495692, "auth_time": 1513492092, "email_verified": True})
    {'sub': 'u1', 'exp': 'Sun Dec 17 07:28:12 UTC 2017', 'auth_time': '1513492092', 'email_verified': 'true'}
    """
    context: dict[str, str] = {}
    for name, value in claims.items():
        if name in ("exp", "iat") and isinstance(value, (int, float)):
            moment = datetime.fromtimestamp(int(value), timezone.utc)
            context[name] = (
                f"{_DAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment:%d %H:%M:%S} UTC {moment.year}"
            )
        elif isinstance(value, bool):
            context[name] = "true" if value else "false"
        elif isinstance(value, float) and value.is_integer():
            context[name] = str(int(value))
        elif isinstance(value, (list, tuple)):
            context[name] = ",".join(str(item) for item in value)
        elif isinstance(value, dict):
            context[name] = json.dumps(value)
        else:
            context[name] = str(value)
    return context
