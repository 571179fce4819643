"""Who makes a request, and what statement matching needs to know about them."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Final

DEFAULT_ACCOUNT: Final = "123456789012"


# -- principals ---------------------------------------------------------------------------------
_ROLE_ARN = re.compile(r"arn:(?P<partition>[^:]+):iam::(?P<account>[^:]+):role/(?:.*/)?(?P<name>[^/]+)")
_SESSION_ARN = re.compile(r"arn:(?P<partition>[^:]+):sts::(?P<account>[^:]+):assumed-role/(?P<name>[^/]+)/[^/]+")


@dataclass(frozen=True)
class Principal:
    """Who makes a request: an IAM role session, the account root user, or an AWS service.

    Attributes
    ----------
    arn
        The caller's ARN as AWS reports it (``arn:aws:sts::123456789012:assumed-role/Role/session``,
        ``arn:aws:iam::123456789012:root``); ``""`` for a service principal. An IAM role ARN stands
        for a session of that role.
    account
        The account the principal belongs to.
    service
        For an AWS service principal, its name (``events.amazonaws.com``).
    role_arn
        For a role session, the role's ARN, path included: a resource-based policy naming the role
        names its sessions.

    Examples
    --------
    >>> Principal.assumed_role("arn:aws:iam::123456789012:role/app/OrdersFnRole", "s1").arn
    'arn:aws:sts::123456789012:assumed-role/OrdersFnRole/s1'
    """

    arn: str
    account: str = DEFAULT_ACCOUNT
    service: str | None = None
    role_arn: str | None = None

    @classmethod
    def assumed_role(cls, role_arn: str, session_name: str) -> Principal:
        """Return a session of ``role_arn``; the session ARN drops the role's path, as STS does.

        See https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-role-session

        Examples
        --------
        >>> session = Principal.assumed_role("arn:aws:iam::111122223333:role/path/R", "s")
        >>> session.arn, session.account, session.role_arn
        ('arn:aws:sts::111122223333:assumed-role/R/s', '111122223333', 'arn:aws:iam::111122223333:role/path/R')
        """
        match = _ROLE_ARN.fullmatch(role_arn)
        if match is None:
            raise ValueError(f"not an IAM role ARN: {role_arn!r}")
        partition, account, name = match.group("partition", "account", "name")
        return cls(f"arn:{partition}:sts::{account}:assumed-role/{name}/{session_name}", account, None, role_arn)

    @classmethod
    def for_service(cls, service: str, account: str = DEFAULT_ACCOUNT) -> Principal:
        """Return the AWS service principal ``service`` acting for ``account``.

        Examples
        --------
        >>> Principal.for_service("events.amazonaws.com").label
        'events.amazonaws.com'
        """
        return cls("", account, service)

    @classmethod
    def account_root(cls, account: str) -> Principal:
        """Return the root user of ``account``.

        Examples
        --------
        >>> Principal.account_root("123456789012").arn
        'arn:aws:iam::123456789012:root'
        """
        return cls(f"arn:aws:iam::{account}:root", account)

    @property
    def label(self) -> str:
        """What AWS's error message names: the caller's ARN, or the service's name.

        Examples
        --------
        >>> Principal.assumed_role("arn:aws:iam::123456789012:role/R", "s").label
        'arn:aws:sts::123456789012:assumed-role/R/s'
        """
        return self.service or self.arn


# How a resource-based statement's Principal relates to the caller.
_NOT_NAMED: Final = 0
_ACCOUNT_NAMED: Final = 1  # the statement names the caller's account: a delegation to identity-based policies
_DIRECTLY_NAMED: Final = 2  # the statement names the caller itself (or everyone)


@dataclass(frozen=True)
class _Caller:
    """What matching needs to know about a principal, worked out once per principal."""

    names: frozenset[str]
    account: str
    is_root: bool
    service: str | None
    context_defaults: tuple[tuple[str, Any], ...]


@functools.lru_cache(maxsize=1024)
def _caller(principal: Principal) -> _Caller:
    if principal.service:
        service = principal.service.lower()
        defaults: tuple[tuple[str, Any], ...] = (
            ("aws:principalservicename", principal.service),
            ("aws:principalservicenameslist", (principal.service,)),
            ("aws:principalisawsservice", "true"),
        )
        return _Caller(frozenset(), principal.account, False, service, defaults)
    role_arn = principal.role_arn
    session = _SESSION_ARN.fullmatch(principal.arn)
    if role_arn is None and session is not None:
        # Without the role's ARN the path is unknown: a role with a path must pass role_arn.
        partition, account, name = session.group("partition", "account", "name")
        role_arn = f"arn:{partition}:iam::{account}:role/{name}"
    elif role_arn is None and _ROLE_ARN.fullmatch(principal.arn):
        role_arn = principal.arn
    is_root = principal.arn.endswith(":root")
    if is_root:
        principal_type = "Account"
    elif role_arn is not None:
        principal_type = "AssumedRole"
    elif ":federated-user/" in principal.arn:
        principal_type = "FederatedUser"
    else:
        principal_type = "User"
    defaults = (
        ("aws:principalarn", role_arn or principal.arn),
        ("aws:principalaccount", principal.account),
        ("aws:principaltype", principal_type),
        ("aws:principalisawsservice", "false"),
    )
    names = frozenset(name for name in (principal.arn, role_arn) if name)
    return _Caller(names, principal.account, is_root, None, defaults)
