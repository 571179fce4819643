"""The errors API Gateway answers itself (auth, throttling, model validation), in the handlers' error envelope."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aws_cdk import aws_apigateway as apigateway


def error_responses(rest_api: apigateway.RestApi) -> list[apigateway.GatewayResponse]:
    """Add ``BAD_REQUEST_BODY``, ``DEFAULT_4XX`` and ``DEFAULT_5XX`` as ``{"error": {"code", "message", "details"}}``.

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> api = apigateway.RestApi(Stack(App(), "Docs"), "Api")
    >>> [response.node.id for response in error_responses(api)]
    ['BadRequestBody', 'Default4xx', 'Default5xx']
    """

    def template(code: str) -> dict[str, str]:
        body = f'{{"error":{{"code":"{code}","message":$context.error.messageString,"details":[]}}}}'
        return {"application/json": body}

    return [
        rest_api.add_gateway_response(
            "BadRequestBody",
            type=apigateway.ResponseType.BAD_REQUEST_BODY,
            templates=template("BAD_REQUEST_BODY"),
        ),
        rest_api.add_gateway_response(
            "Default4xx",
            type=apigateway.ResponseType.DEFAULT_4_XX,
            templates=template("$context.error.responseType"),
        ),
        rest_api.add_gateway_response(
            "Default5xx",
            type=apigateway.ResponseType.DEFAULT_5_XX,
            templates=template("$context.error.responseType"),
        ),
    ]


def allow_single_origin(responses: Sequence[apigateway.GatewayResponse], origins: Iterable[Sequence[str]]) -> None:
    """Let ``responses`` carry ``Access-Control-Allow-Origin`` when every resource's CORS allows one same origin.

    Gateway responses belong to the API, CORS to each resource (``origins``: each resource's
    allowed origins, empty without CORS). When every resource that asked for CORS allows the same
    single origin (or ``"*"``), API Gateway's own errors carry it too, so a browser can read them.
    Several different origins cannot be expressed statically: the responses then carry none.
    """
    distinct = {tuple(allowed) for allowed in origins if allowed}
    if len(distinct) != 1:
        return
    (allowed,) = distinct
    if len(allowed) != 1:
        return
    for response in responses:
        cfn = response.node.default_child
        assert isinstance(cfn, apigateway.CfnGatewayResponse)
        cfn.response_parameters = {"gatewayresponse.header.Access-Control-Allow-Origin": f"'{allowed[0]}'"}
