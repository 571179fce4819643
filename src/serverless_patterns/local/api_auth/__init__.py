"""Authorization building blocks of the local API Gateway: SigV4, Cognito user pool tokens, Lambda authorizers.

The router (:mod:`serverless_patterns.local.apigateway`) calls these to authorize a request as
API Gateway does for a REST API method; the evaluation of IAM and authorizer policy documents
lives elsewhere. Every failure is a :class:`GatewayError` carrying API Gateway's *default*
gateway response (status, body, ``x-amzn-ErrorType``); the router applies an API's own
gateway responses on top (:mod:`serverless_patterns.local.gateway_responses`).

Sources, one per behaviour (the tests cite the same pages):

* Gateway response types and their default status codes:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
* SigV4 canonical request and signing key:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html ;
  the five-minute window: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
* Lambda authorizer input and output:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html ,
  https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
* Identity sources, Cognito scopes: https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html ,
  https://docs.aws.amazon.com/apigateway/latest/api/API_Method.html ,
  https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-enable-cognito-user-pool.html
* Deny messages: https://repost.aws/knowledge-center/api-gateway-403-error-lambda-authorizer

AWS documents the status codes but not the error messages; those are taken from responses of
the real service quoted in public issues, named where they are encoded.
"""

from __future__ import annotations

from serverless_patterns.local.api_auth.cognito import cognito_claims_context, cognito_jwks, verify_cognito_token
from serverless_patterns.local.api_auth.lambda_authorizers import (
    AuthorizerOutput,
    identity_source_values,
    method_arn,
    parse_authorizer_response,
    request_authorizer_event,
    token_authorizer_event,
    token_matches_validation,
)
from serverless_patterns.local.api_auth.refusals import (
    GatewayError,
    access_denied,
    authorizer_configuration_error,
    authorizer_denied,
    invalid_security_token,
    missing_authentication_token,
    unauthorized,
)
from serverless_patterns.local.api_auth.sigv4 import SignedBy, sign_headers, verify_sigv4

__all__ = [
    "AuthorizerOutput",
    "GatewayError",
    "SignedBy",
    "access_denied",
    "authorizer_configuration_error",
    "authorizer_denied",
    "cognito_claims_context",
    "cognito_jwks",
    "identity_source_values",
    "invalid_security_token",
    "method_arn",
    "missing_authentication_token",
    "parse_authorizer_response",
    "request_authorizer_event",
    "sign_headers",
    "token_authorizer_event",
    "token_matches_validation",
    "unauthorized",
    "verify_cognito_token",
    "verify_sigv4",
]
