"""A TOKEN Lambda authorizer whose answer is chosen by the token, to drive API Gateway's outcomes.

``allow`` and ``deny`` return a policy with that effect on the method; ``unauthorized`` fails with
``Unauthorized`` (API Gateway's 401); ``broken`` returns an output without ``policyDocument``.
Every invocation prints ``authorizer invoked: <token>``, so a test can tell whether it ran.
"""


def _policy(effect, method_arn):
    return {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": method_arn}],
    }


def handler(event, context):
    token = event.get("authorizationToken", "")
    print(f"authorizer invoked: {token}")
    if token == "allow":
        return {"principalId": "token-user", "policyDocument": _policy("Allow", event["methodArn"])}
    if token == "deny":
        return {"principalId": "token-user", "policyDocument": _policy("Deny", event["methodArn"])}
    if token == "broken":
        return {"principalId": "token-user"}
    raise Exception("Unauthorized")
