"""A method's authorization on the local API Gateway: IAM (SigV4), Cognito user pool and Lambda authorizers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from serverless_patterns.local import _moto
from serverless_patterns.local.rest_apis import Method, Resource, RestApi

if TYPE_CHECKING:
    from serverless_patterns.local.authorization import Authorization
    from serverless_patterns.local.runtime import LambdaRuntime


@dataclass
class _Caller:
    """What authorization learnt about the caller, for the proxy event's ``requestContext``."""

    identity: dict[str, Any] = field(default_factory=dict)
    authorizer: dict[str, Any] | None = None


def _identity(access_key: str, account: str, caller: str, user_arn: str) -> dict[str, Any]:
    """The ``requestContext.identity`` fields API Gateway fills for an IAM-authorized request."""
    return {"accessKey": access_key, "accountId": account, "caller": caller, "user": caller, "userArn": user_arn}


class MethodAuthorization:
    """Applies each method's authorization before its integration runs (a mixin of :class:`ApiGatewayServer`)."""

    account_id: str
    region: str
    authorization: Authorization | None
    runtime: LambdaRuntime

    # -- authorization -----------------------------------------------------------------------
    def _method_arn(self, api: RestApi, stage: str, http_method: str, path: str) -> str:
        from serverless_patterns.local.api_auth import method_arn

        return method_arn(self.region, self.account_id, api.api_id, stage, http_method, path)

    def _authorize(  # noqa: PLR0917 - the parts of one request
        self,
        api: RestApi,
        stage: str,
        resource: Resource,
        method: Method,
        http_method: str,
        parts: Any,
        headers: list[tuple[str, str]],
        body: bytes,
        path_params: dict[str, str],
    ) -> _Caller:
        """Apply the method's authorization as API Gateway does before anything else runs; raise its refusal."""
        path = "/" + parts.path.lstrip("/").split("/", 2)[2] if parts.path.count("/") >= 3 else "/"
        arn = self._method_arn(api, stage, http_method, path)
        kind = method.authorization.upper()
        if kind == "AWS_IAM":
            return self._authorize_iam(arn, http_method, parts, headers, body)
        if kind in {"COGNITO_USER_POOLS", "CUSTOM"} and method.authorizer is None:
            # AWS cannot deploy such a method; locally its authorizer was not found in the template.
            # Refuse rather than serve the method unauthorized.
            from serverless_patterns.local.api_auth import authorizer_configuration_error

            raise authorizer_configuration_error()
        if kind == "COGNITO_USER_POOLS":
            return self._authorize_cognito(method, headers)
        if kind == "CUSTOM":
            return self._authorize_lambda(api, stage, resource, method, http_method, path, parts, headers, path_params)
        return _Caller()

    def _authorize_iam(
        self, arn: str, http_method: str, parts: Any, headers: list[tuple[str, str]], body: bytes
    ) -> _Caller:
        from serverless_patterns.local.api_auth import access_denied, invalid_security_token, verify_sigv4

        assert self.authorization is not None
        signed = verify_sigv4(
            http_method,
            parts.path,
            parts.query,
            headers,
            body,
            secret_for=self.authorization.secret_for,
            region=self.region,
        )
        principal = self.authorization.principal_for_key(signed.access_key_id)
        if principal is None:  # the local administrator: the account's own credentials
            user_arn = f"arn:aws:iam::{self.account_id}:root"
            return _Caller(identity=_identity(signed.access_key_id, self.account_id, self.account_id, user_arn))
        session_name = principal.arn.rsplit("/", 1)[-1]
        minted = self.authorization.credentials_for(str(principal.role_arn), session_name)
        if signed.session_token != minted.session_token:
            # Temporary credentials are valid only with their session token (X-Amz-Security-Token);
            # AWS refuses them without it, or with another, as it refuses an unknown key.
            raise invalid_security_token()
        decision = self.authorization.check(principal, "execute-api:Invoke", arn, origin="api")
        if not decision.allowed:
            raise access_denied(principal.label, arn, explicit=decision.kind.startswith("explicit"))
        session = principal.arn.split(":", 5)[-1].removeprefix("assumed-role/")
        caller = f"{signed.access_key_id}:{session.rsplit('/', 1)[-1]}"
        return _Caller(identity=_identity(signed.access_key_id, self.account_id, caller, principal.arn))

    def _authorize_cognito(self, method: Method, headers: list[tuple[str, str]]) -> _Caller:
        from serverless_patterns.local.api_auth import (
            cognito_claims_context,
            cognito_jwks,
            unauthorized,
            verify_cognito_token,
        )

        authorizer = method.authorizer
        assert authorizer is not None
        header = authorizer.identity_source.removeprefix("method.request.header.").lower()
        token = next((value for name, value in headers if name.lower() == header), "")
        if not token or not authorizer.provider_arns:
            raise unauthorized()
        pool_arn = authorizer.provider_arns[0]
        jwks = cognito_jwks(pool_arn.rsplit("/", 1)[-1], pool_arn.split(":")[3], self.account_id)
        claims = verify_cognito_token(
            token, user_pool_arns=authorizer.provider_arns, jwks=jwks, scopes=method.scopes or None
        )
        return _Caller(authorizer={"claims": cognito_claims_context(claims)})

    def _authorize_lambda(  # noqa: PLR0917 - the parts of one request
        self,
        api: RestApi,
        stage: str,
        resource: Resource,
        method: Method,
        http_method: str,
        path: str,
        parts: Any,
        headers: list[tuple[str, str]],
        path_params: dict[str, str],
    ) -> _Caller:
        from serverless_patterns.local import api_auth
        from serverless_patterns.local.policy import Policy, PolicyError, Principal, Request, evaluate

        authorizer = method.authorizer
        assert authorizer is not None and self.authorization is not None
        arn = self._method_arn(api, stage, http_method, path)
        single_headers = dict(headers)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        values = (
            api_auth.identity_source_values(authorizer.identity_source, single_headers, query, {}, {})
            if authorizer.identity_source.strip()
            else []
        )
        if values is None:
            raise api_auth.unauthorized()
        if authorizer.type == "TOKEN":
            if not api_auth.token_matches_validation(values[0], authorizer.validation):
                raise api_auth.unauthorized()
            event = api_auth.token_authorizer_event(arn, values[0])
        else:
            multi_headers: dict[str, list[str]] = {}
            for name, value in headers:
                multi_headers.setdefault(name, []).append(value)
            multi_query: dict[str, list[str]] = {}
            for name, value in parse_qsl(parts.query, keep_blank_values=True):
                multi_query.setdefault(name, []).append(value)
            event = api_auth.request_authorizer_event(
                arn,
                resource=resource.path,
                path=path,
                http_method=http_method,
                headers=single_headers,
                multi_value_headers=multi_headers,
                query=query,
                multi_value_query=multi_query,
                path_parameters=path_params,
                stage_variables=api.stage_variables.get(stage, {}),
                request_context={"accountId": self.account_id, "apiId": api.api_id, "stage": stage},
            )
        if authorizer.function_name is None or authorizer.function_arn is None:
            raise api_auth.authorizer_configuration_error()
        source = (
            f"arn:aws:execute-api:{self.region}:{self.account_id}:{api.api_id}/authorizers/{authorizer.authorizer_id}"
        )
        permitted = self.authorization.check_service(
            "apigateway.amazonaws.com",
            "lambda:InvokeFunction",
            authorizer.function_arn,
            source_arn=source,
            origin="api",
        )
        if not permitted.allowed:
            raise api_auth.authorizer_configuration_error()
        invocation = self._run(authorizer.function_name, event)
        if invocation is None:
            raise api_auth.authorizer_configuration_error()
        error = invocation.payload.get("errorMessage") if isinstance(invocation.payload, dict) else None
        output = api_auth.parse_authorizer_response(invocation.payload, errored=invocation.errored, error_message=error)
        try:
            policy = Policy.parse(f"policy returned by authorizer {authorizer.authorizer_id}", output.policy_document)
        except PolicyError as problem:
            raise api_auth.authorizer_configuration_error() from problem
        caller = Principal.account_root(self.account_id)
        decision = evaluate(Request(caller, "execute-api:Invoke", arn, {}), identity=[policy])
        if not decision.allowed:
            raise api_auth.authorizer_denied(explicit=decision.kind.startswith("explicit"))
        context: dict[str, Any] = {"principalId": output.principal_id, **output.context}
        return _Caller(authorizer=context)

    def _may_invoke(self, api: RestApi, stage: str, http_method: str, path: str, method: Method) -> bool:
        """Whether the function's resource policy lets API Gateway invoke it for this method (a Lambda permission)."""
        assert self.authorization is not None
        function = _moto.get_function(self.account_id, self.region, str(method.function_name))
        if function is None:  # a missing function is answered by _invoke
            return True
        source = self._method_arn(api, stage, http_method, path)
        decision = self.authorization.may_invoke("apigateway.amazonaws.com", function.arn, source, origin="api")
        return decision.allowed

    def _run(self, function_name: str, event: dict[str, Any]) -> Any:
        function = _moto.get_function(self.account_id, self.region, function_name)
        if function is None:  # a missing authorizer function is a configuration error
            return None
        return self.runtime.run(function, event)
