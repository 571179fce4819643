"""API Gateway's refusals: the default gateway response of each way authorization can fail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(eq=False)
class GatewayError(Exception):
    """An API Gateway refusal: the default gateway response of one response type.

    Not frozen: Python assigns ``__context__``/``__traceback__`` on exceptions as they travel
    (``contextlib`` does it with plain attribute assignment), which a frozen dataclass forbids.

    Examples
    --------
    >>> error = unauthorized()
    >>> error.status, error.response_type, error.body, error.error_type
    (401, 'UNAUTHORIZED', {'message': 'Unauthorized'}, 'UnauthorizedException')
    >>> str(error)
    '401 UNAUTHORIZED: Unauthorized'
    """

    status: int
    response_type: str
    body: dict[str, Any]
    error_type: str
    validation_error_string: str | None = None
    """``$context.error.validationErrorString``: the validator's detail of a ``BAD_REQUEST_BODY``."""

    def __post_init__(self) -> None:
        super().__init__(self.status, self.response_type, self.body, self.error_type)

    def __str__(self) -> str:
        message = self.body.get("message", self.body.get("Message"))
        return f"{self.status} {self.response_type}: {message}"


def missing_authentication_token() -> GatewayError:
    """403 ``MISSING_AUTHENTICATION_TOKEN``: no signature at all (also API Gateway's answer to an unknown route).

    Body and ``x-amzn-ErrorType`` as AWS sends them: https://github.com/aws/chalice/issues/12

    Examples
    --------
    >>> missing_authentication_token().body
    {'message': 'Missing Authentication Token'}
    """
    return GatewayError(
        403,
        "MISSING_AUTHENTICATION_TOKEN",
        {"message": "Missing Authentication Token"},
        "MissingAuthenticationTokenException",
    )


def unauthorized() -> GatewayError:
    """401 ``UNAUTHORIZED``: an authorizer could not authenticate the caller (bad token, missing identity source).

    Examples
    --------
    >>> unauthorized().status
    401
    """
    return GatewayError(401, "UNAUTHORIZED", {"message": "Unauthorized"}, "UnauthorizedException")


def authorizer_configuration_error() -> GatewayError:
    """500 ``AUTHORIZER_CONFIGURATION_ERROR``: a Lambda authorizer failed or returned something unusable.

    AWS answers ``{"message": null}`` with ``x-amzn-ErrorType: AuthorizerConfigurationException``
    (https://github.com/auth0-samples/jwt-rsa-aws-custom-authorizer/pull/6,
    https://github.com/serverless/examples/issues/305).

    Examples
    --------
    >>> authorizer_configuration_error().body
    {'message': None}
    """
    return GatewayError(500, "AUTHORIZER_CONFIGURATION_ERROR", {"message": None}, "AuthorizerConfigurationException")


def access_denied(principal_label: str, resource_arn: str, *, explicit: bool) -> GatewayError:
    """403 ``ACCESS_DENIED`` for an IAM or resource policy that does not allow ``execute-api:Invoke``.

    ``principal_label`` is the caller's ARN, or ``anonymous`` for an unsigned caller. The body key
    is ``Message`` (capital M) in the service's raw responses
    (https://github.com/ASFHyP3/hyp3/issues/2283, https://github.com/serverless/serverless/issues/11808);
    the explicit-deny suffix is from https://repost.aws/knowledge-center/api-gateway-403-error-lambda-authorizer.

    Examples
    --------
    >>> access_denied("anonymous", "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/", explicit=True).body
    {'Message': 'User: anonymous is not authorized to perform: execute-api:Invoke on resource:
    arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/ with an explicit deny'}
    """
    message = f"User: {principal_label} is not authorized to perform: execute-api:Invoke on resource: {resource_arn}"
    return _denied(message, explicit=explicit)


def authorizer_denied(*, explicit: bool) -> GatewayError:
    """403 ``ACCESS_DENIED`` for a Lambda authorizer policy that does not allow the method.

    Wording from https://repost.aws/knowledge-center/api-gateway-403-error-lambda-authorizer;
    ``Message`` casing and ``AccessDeniedException`` as in AWS's own local emulator
    (aws/chalice ``chalice/local.py``) and https://github.com/aws/chalice/issues/1810.

    Examples
    --------
    >>> authorizer_denied(explicit=False).body
    {'Message': 'User is not authorized to access this resource'}
    """
    return _denied("User is not authorized to access this resource", explicit=explicit)


def _denied(message: str, *, explicit: bool) -> GatewayError:
    text = message + (" with an explicit deny" if explicit else "")
    return GatewayError(403, "ACCESS_DENIED", {"Message": text}, "AccessDeniedException")


def invalid_security_token() -> GatewayError:
    """403 for an access key AWS does not know, or temporary credentials without their session token.

    The message is the service's (https://github.com/kndt84/aws-api-gateway-client/issues/31);
    which gateway response type AWS files it under was not found: taken as INVALID_SIGNATURE.

    Examples
    --------
    >>> invalid_security_token().body
    {'message': 'The security token included in the request is invalid.'}
    """
    return GatewayError(
        403,
        "INVALID_SIGNATURE",
        {"message": "The security token included in the request is invalid."},
        "UnrecognizedClientException",
    )


def _incomplete_signature(message: str) -> GatewayError:
    # API Gateway has no response type of its own for IncompleteSignatureException; customizing
    # MISSING_AUTHENTICATION_TOKEN changes this answer (comment of 2020-05-03 on
    # https://github.com/amazon-archives/aws-cognito-angular-quickstart/issues/50).
    return GatewayError(403, "MISSING_AUTHENTICATION_TOKEN", {"message": message}, "IncompleteSignatureException")


def _invalid_signature(message: str) -> GatewayError:
    return GatewayError(403, "INVALID_SIGNATURE", {"message": message}, "InvalidSignatureException")
