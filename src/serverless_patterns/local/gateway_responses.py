"""API Gateway's gateway responses: how every refusal of the local router is worded, as AWS words it.

A refusal (:class:`~serverless_patterns.local.api_auth.GatewayError`) names its response type and
carries API Gateway's *default* response. :func:`render` applies the API's own
``AWS::ApiGateway::GatewayResponse`` resources on top, as API Gateway does:

* the response of the refusal's type, else ``DEFAULT_4XX``/``DEFAULT_5XX`` by the type's default
  status class, else API Gateway's default (``{"message": $context.error.messageString}``);
* the status code: the response's ``StatusCode``, else the ``DEFAULT_4XX``/``DEFAULT_5XX``
  ``StatusCode`` ("changing the status code of this fallback gateway response changes the status
  codes of all other 4XX responses"), else the type's default status;
* headers from ``ResponseParameters`` (``gatewayresponse.header.<name>``) whose values are
  ``'literal'``, ``method.request.header|querystring|path.<name>``, ``context.<variable>`` or
  ``stageVariables.<name>``;
* a body from ``ResponseTemplates`` with *simple variable substitution only* (no VTL):
  ``$context.error.message``, ``$context.error.messageString`` (the message quoted),
  ``$context.error.responseType``, ``$context.error.validationErrorString``, ``$context.requestId``
  and the other ``$context`` variables, ``$stageVariables.<name>``.

Every answer carries ``x-amzn-RequestId``, ``x-amz-apigw-id`` and, for a refusal,
``x-amzn-ErrorType``.

Sources:

* Response types and default status codes:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
* Gateway responses (parameters, templates, the DEFAULT_4XX/5XX fallback):
  https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
* Templates are not VTL, simple substitution only:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-gateway-responses.responseTemplates.html
* ``$context`` variables (``error.message``, ``error.messageString``, ``error.validationErrorString``, ...):
  https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from serverless_patterns.local.api_auth import GatewayError

# supported-gateway-response-types.html: "Default status code" column. DEFAULT_4XX/DEFAULT_5XX
# have none (Null): they stand in for the others of their class.
DEFAULT_STATUS: dict[str, int] = {
    "ACCESS_DENIED": 403,
    "API_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_FAILURE": 500,
    "BAD_REQUEST_PARAMETERS": 400,
    "BAD_REQUEST_BODY": 400,
    "EXPIRED_TOKEN": 403,
    "INTEGRATION_FAILURE": 504,
    "INTEGRATION_TIMEOUT": 504,
    "INVALID_API_KEY": 403,
    "INVALID_SIGNATURE": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "QUOTA_EXCEEDED": 429,
    "REQUEST_TOO_LARGE": 413,
    "RESOURCE_NOT_FOUND": 404,
    "THROTTLED": 429,
    "UNAUTHORIZED": 401,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "WAF_FILTERED": 403,
}

# $context.error.messageString or ${context.error.messageString}; a name ends before any other character.
_VARIABLE = re.compile(
    r"\$(?:\{(context|stageVariables)\.([A-Za-z0-9_.-]+)\}|(context|stageVariables)\.(\w+(?:\.\w+)*))"
)


@dataclass(frozen=True)
class GatewayResponse:
    """One ``AWS::ApiGateway::GatewayResponse`` of a REST API.

    Examples
    --------
    >>> GatewayResponse("DEFAULT_4XX", templates={"application/json": "{}"}).status_code is None
    True
    """

    response_type: str
    status_code: int | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_properties(cls, properties: Mapping[str, Any]) -> GatewayResponse:
        """Read the CloudFormation properties of a gateway response.

        Examples
        --------
        >>> GatewayResponse.from_properties({"ResponseType": "UNAUTHORIZED", "StatusCode": "401"}).status_code
        401
        """
        status = properties.get("StatusCode")
        return cls(
            response_type=str(properties.get("ResponseType", "")),
            status_code=int(status) if isinstance(status, (str, int)) and str(status).isdigit() else None,
            parameters={str(k): str(v) for k, v in (properties.get("ResponseParameters") or {}).items()},
            templates={str(k): str(v) for k, v in (properties.get("ResponseTemplates") or {}).items()},
        )


@dataclass
class RequestContext:
    """What a gateway response may refer to: the request's ids, parameters and ``$context`` values.

    Examples
    --------
    >>> RequestContext(request_id="r1").variable("requestId")
    'r1'
    """

    request_id: str = ""
    extended_request_id: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    """Request headers, names lower-cased."""
    query: dict[str, str] = field(default_factory=dict)
    path_parameters: dict[str, str] = field(default_factory=dict)
    stage_variables: dict[str, str] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    """``$context`` variables other than ``error.*``, by their dotted name (``identity.sourceIp``)."""

    def variable(self, name: str) -> Any:
        """The value of ``$context.<name>``, or ``None`` when API Gateway would have none."""
        if name == "requestId":
            return self.request_id
        if name == "extendedRequestId":
            return self.extended_request_id
        return self.context.get(name)


def response_for(responses: Mapping[str, GatewayResponse], response_type: str, status: int) -> GatewayResponse | None:
    """The API's gateway response that applies to a refusal: its own type's, else DEFAULT_4XX/5XX.

    Examples
    --------
    >>> fallback = GatewayResponse("DEFAULT_4XX")
    >>> response_for({"DEFAULT_4XX": fallback}, "BAD_REQUEST_BODY", 400) is fallback
    True
    >>> response_for({"DEFAULT_4XX": fallback}, "INTEGRATION_TIMEOUT", 504) is None
    True
    """
    own = responses.get(response_type)
    if own is not None:
        return own
    return responses.get(_fallback_type(response_type, status))


def _fallback_type(response_type: str, status: int) -> str:
    default = DEFAULT_STATUS.get(response_type, status)
    return "DEFAULT_5XX" if default >= 500 else "DEFAULT_4XX"


def render(
    refusal: GatewayError,
    responses: Mapping[str, GatewayResponse],
    request: RequestContext,
) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body API Gateway answers for a refusal, the API's gateway responses applied.

    Examples
    --------
    >>> from serverless_patterns.local.api_auth import GatewayError
    >>> refusal = GatewayError(400, "BAD_REQUEST_BODY", {"message": "Invalid request body"}, "BadRequestException")
    >>> template = '{"error": $context.error.messageString}'
    >>> custom = GatewayResponse("DEFAULT_4XX", templates={"application/json": template})
    >>> status, headers, body = render(refusal, {"DEFAULT_4XX": custom}, RequestContext(request_id="r1"))
    >>> status, body
    (400, b'{"error": "Invalid request body"}')
    >>> ("x-amzn-ErrorType", "BadRequestException") in headers
    True
    """
    chosen = response_for(responses, refusal.response_type, refusal.status)
    fallback = responses.get(_fallback_type(refusal.response_type, refusal.status))
    status = refusal.status
    if chosen is not None and chosen.status_code is not None:
        status = chosen.status_code
    elif fallback is not None and fallback.status_code is not None:
        status = fallback.status_code
    headers: list[tuple[str, str]] = []
    content_type = "application/json"
    if chosen is not None and chosen.templates:
        content_type, template = _template_for(chosen.templates, request.headers.get("accept", ""))
        body = substitute(template, refusal, request).encode()
    else:
        body = json.dumps(refusal.body).encode()
    headers.append(("Content-Type", content_type))
    if chosen is not None:
        for key, source in chosen.parameters.items():
            name = key.removeprefix("gatewayresponse.header.")
            if name == key:  # only headers can be mapped in a gateway response
                continue
            value = parameter_value(source, request)
            if value is not None:
                headers.append((name, value))
    headers.extend(request_id_headers(request))
    headers.append(("x-amzn-ErrorType", refusal.error_type))
    return status, headers, body


def request_id_headers(request: RequestContext) -> list[tuple[str, str]]:
    """``x-amzn-RequestId`` and ``x-amz-apigw-id``, on every answer API Gateway gives.

    Examples
    --------
    >>> request_id_headers(RequestContext(request_id="r1", extended_request_id="e1"))
    [('x-amzn-RequestId', 'r1'), ('x-amz-apigw-id', 'e1')]
    """
    return [("x-amzn-RequestId", request.request_id), ("x-amz-apigw-id", request.extended_request_id)]


def _template_for(templates: Mapping[str, str], accept: str) -> tuple[str, str]:
    # API Gateway picks the template of the content type the client accepts, application/json
    # when it names none it has (the console's default template is application/json).
    for media in (part.split(";")[0].strip().lower() for part in accept.split(",")):
        for content_type, template in templates.items():
            if content_type.lower() == media:
                return content_type, template
    if "application/json" in templates:
        return "application/json", templates["application/json"]
    content_type = next(iter(templates))
    return content_type, templates[content_type]


def substitute(template: str, refusal: GatewayError, request: RequestContext) -> str:
    """A gateway response template with its ``$context``/``$stageVariables`` references replaced.

    A variable with no value becomes the empty string (the template is not VTL: nothing else
    in it is interpreted).

    Examples
    --------
    >>> from serverless_patterns.local.api_auth import GatewayError
    >>> refusal = GatewayError(403, "MISSING_AUTHENTICATION_TOKEN", {"message": "Missing Authentication Token"}, "x")
    >>> substitute('{"m": $context.error.messageString, "t": "$context.error.responseType"}', refusal, RequestContext())
    '{"m": "Missing Authentication Token", "t": "MISSING_AUTHENTICATION_TOKEN"}'
    """

    def value(match: re.Match[str]) -> str:
        namespace = match.group(1) or match.group(3)
        name = match.group(2) or match.group(4)
        if namespace == "stageVariables":
            return request.stage_variables.get(name, "")
        found = _error_variable(name, refusal)
        if found is _UNKNOWN:
            found = request.variable(name)
        return "" if found is None else str(found)

    return _VARIABLE.sub(value, template)


_UNKNOWN = object()


def _error_variable(name: str, refusal: GatewayError) -> Any:
    message = error_message(refusal)
    if name == "error.message":
        return message
    if name == "error.messageString":
        # "The quoted value of $context.error.message, namely "$context.error.message"".
        return json.dumps(message)
    if name == "error.responseType":
        return refusal.response_type
    if name == "error.validationErrorString":
        return refusal.validation_error_string
    return _UNKNOWN


def error_message(refusal: GatewayError) -> Any:
    """``$context.error.message`` of a refusal: its default body's ``message`` (``Message`` for IAM denials).

    Examples
    --------
    >>> from serverless_patterns.local.api_auth import unauthorized
    >>> error_message(unauthorized())
    'Unauthorized'
    """
    return refusal.body.get("message", refusal.body.get("Message"))


def parameter_value(source: str, request: RequestContext) -> str | None:  # noqa: PLR0911 - one return per source
    """The value of a gateway response header mapping: ``'literal'``, a request parameter or a context variable.

    Examples
    --------
    >>> parameter_value("'*'", RequestContext())
    '*'
    >>> parameter_value("method.request.header.Origin", RequestContext(headers={"origin": "https://a.example"}))
    'https://a.example'
    >>> parameter_value("context.requestId", RequestContext(request_id="r1"))
    'r1'
    """
    if len(source) >= 2 and source.startswith("'") and source.endswith("'"):
        return source[1:-1]
    if source.startswith("method.request."):
        location, _, name = source.removeprefix("method.request.").partition(".")
        if location in {"header", "multivalueheader"}:
            return request.headers.get(name.lower())
        if location in {"querystring", "multivaluequerystring"}:
            return request.query.get(name)
        if location == "path":
            return request.path_parameters.get(name)
        return None
    if source.startswith("stageVariables."):
        return request.stage_variables.get(source.removeprefix("stageVariables."))
    if source.startswith("context."):
        found = request.variable(source.removeprefix("context."))
        return None if found is None else str(found)
    return None


def read_gateway_responses(template: Mapping[str, Any], api_of: Any) -> dict[str, dict[str, GatewayResponse]]:
    """The gateway responses of each REST API of a template, by the API's logical id and response type.

    ``api_of`` maps a ``RestApiId`` value to the API's logical id (or ``None``).

    Examples
    --------
    >>> template = {"Resources": {"R": {"Type": "AWS::ApiGateway::GatewayResponse",
    ...     "Properties": {"RestApiId": {"Ref": "Api"}, "ResponseType": "DEFAULT_4XX"}}}}
    >>> list(read_gateway_responses(template, lambda value: value["Ref"])["Api"])
    ['DEFAULT_4XX']
    """
    found: dict[str, dict[str, GatewayResponse]] = {}
    for resource in (template.get("Resources") or {}).values():
        if resource.get("Type") != "AWS::ApiGateway::GatewayResponse":
            continue
        properties = resource.get("Properties") or {}
        owner = api_of(properties.get("RestApiId"))
        if owner is None:
            continue
        response = GatewayResponse.from_properties(properties)
        found.setdefault(owner, {})[response.response_type] = response
    return found


# -- refusals the router makes itself (authorization refusals live in api_auth) ------------------
def _refusal(status: int, response_type: str, message: str, error_type: str, detail: str | None = None) -> GatewayError:
    from serverless_patterns.local.api_auth import GatewayError

    return GatewayError(status, response_type, {"message": message}, error_type, validation_error_string=detail)


def missing_route() -> GatewayError:
    """403 ``MISSING_AUTHENTICATION_TOKEN``: no resource, method or stage matches ("an undefined API resource").

    The body is quoted on api-gateway-gatewayResponse-definition.html; API Gateway does not tell
    an unknown route from an unsigned request.

    Examples
    --------
    >>> missing_route().body
    {'message': 'Missing Authentication Token'}
    """
    from serverless_patterns.local.api_auth import missing_authentication_token

    return missing_authentication_token()


def bad_request_body(validation_error: str) -> GatewayError:
    """400 ``BAD_REQUEST_BODY``: the body does not match the method's model.

    ``validation_error`` is ``$context.error.validationErrorString``, e.g.
    ``[object has missing required properties (["email"])]``
    (https://github.com/RafPe/serverless-reqvalidator-plugin/issues/1 quotes the execution log:
    ``Request body does not match model schema for content type application/json: [object has
    missing required properties (["body","subject","to"])]``). Default body ``Invalid request body``
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
    and the issue above).

    Examples
    --------
    >>> bad_request_body('[object has missing required properties (["email"])]').body
    {'message': 'Invalid request body'}
    """
    return _refusal(400, "BAD_REQUEST_BODY", "Invalid request body", "BadRequestException", validation_error)


def bad_request_parameters(missing: list[str]) -> GatewayError:
    """400 ``BAD_REQUEST_PARAMETERS``: required query strings, headers or path parameters are missing.

    Wording from the request validation walkthrough,
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-validation-set-up.html

    Examples
    --------
    >>> bad_request_parameters(["q", "X-Test"]).body
    {'message': 'Missing required request parameters: [q, X-Test]'}
    """
    message = f"Missing required request parameters: [{', '.join(missing)}]"
    return _refusal(400, "BAD_REQUEST_PARAMETERS", message, "BadRequestException")


def request_too_large() -> GatewayError:
    """413 ``REQUEST_TOO_LARGE``: the payload is over API Gateway's 10 MB, or the proxy event over Lambda's 6 MB.

    Limits: https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html (10 MB) and
    https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html (6 MB invocation payload).

    ``{"message": "Request Too Long"}`` with ``BadRequestException`` is what API Gateway answered
    a too large request in https://github.com/koki-develop/lgtm-generator/issues/10 (an
    edge-optimized API answered a body over 10 MB from CloudFront, in plain text:
    ``HTTP content length exceeded 10485760 bytes.``; docs/local.md says so).

    Examples
    --------
    >>> request_too_large().status
    413
    """
    return _refusal(413, "REQUEST_TOO_LARGE", "Request Too Long", "BadRequestException")


def integration_timeout() -> GatewayError:
    """504 ``INTEGRATION_TIMEOUT``: the integration did not answer within its timeout (29 s by default).

    Body as API Gateway sends it: https://github.com/serverless/serverless/issues/3171,
    https://github.com/CodeGenieApp/serverless-express/issues/111 . The ``x-amzn-ErrorType``
    of a timeout was not found in a public response; taken as for other 5XX answers.

    Examples
    --------
    >>> integration_timeout().body
    {'message': 'Endpoint request timed out'}
    """
    return _refusal(504, "INTEGRATION_TIMEOUT", "Endpoint request timed out", "InternalServerErrorException")


def integration_error() -> GatewayError:
    """502: the Lambda function raised, or returned what is not a proxy response.

    API Gateway has no response type of its own for it: ``DEFAULT_5XX`` applies. Body
    ``{"message": "Internal server error"}`` (set-up-lambda-proxy-integrations.html: "a malformed
    Lambda proxy response ... 502 Bad Gateway").

    Examples
    --------
    >>> integration_error().status, integration_error().response_type
    (502, 'DEFAULT_5XX')
    """
    return _refusal(502, "DEFAULT_5XX", "Internal server error", "InternalServerErrorException")


def configuration_error() -> GatewayError:
    """500 ``API_CONFIGURATION_ERROR``: the integration's function is missing or does not let API Gateway invoke it.

    API Gateway logs "Execution failed due to configuration error: Invalid permissions on Lambda
    function" and answers ``{"message": "Internal server error"}``; the response type is the one
    whose description ("an invalid API configuration") fits, none is documented for it.

    Examples
    --------
    >>> configuration_error().status
    500
    """
    return _refusal(500, "API_CONFIGURATION_ERROR", "Internal server error", "InternalServerErrorException")


def throttled() -> GatewayError:
    """429 ``THROTTLED``: the stage's or method's token bucket is empty.

    "Clients may receive 429 Too Many Requests error responses"
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html);
    ``TooManyRequestsException`` is API Gateway's name for a 429 (its API reference's common errors).

    Examples
    --------
    >>> throttled().status, throttled().body
    (429, {'message': 'Too Many Requests'})
    """
    return _refusal(429, "THROTTLED", "Too Many Requests", "TooManyRequestsException")
