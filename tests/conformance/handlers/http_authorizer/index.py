"""An HTTP API Lambda authorizer whose answer is chosen by the ``Authorization`` header.

Simple responses (payload 2.0, ``enableSimpleResponses``): ``allow`` → ``isAuthorized`` true with a
context, ``deny`` → false, ``broken`` → an answer without ``isAuthorized``. IAM policy responses:
``policy-allow``/``policy-deny`` → a policy with that effect on the route ARN. Anything else raises.
Every invocation prints ``authorizer invoked: <token>``.
"""


def handler(event, context):
    token = event["identitySource"][0] if event.get("version") == "2.0" else event.get("identitySource", "")
    print(f"authorizer invoked: {token}")
    arn = event.get("routeArn") or event.get("methodArn")
    if token == "allow":
        return {"isAuthorized": True, "context": {"tenant": "t1", "tier": 2}}
    if token == "deny":
        return {"isAuthorized": False}
    if token == "broken":
        return {"context": {}}
    if token in ("policy-allow", "policy-deny"):
        effect = "Allow" if token == "policy-allow" else "Deny"
        statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": arn}
        return {
            "principalId": "policy-user",
            "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
            "context": {"tenant": "t2"},
        }
    raise RuntimeError("not a token this authorizer knows")
