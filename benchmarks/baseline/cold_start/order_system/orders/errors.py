"""Named errors: Step Functions matches a Lambda error by its class name (``errorType``)."""


class OrderInvalidError(ValueError):
    """The order cannot be processed as given."""


class PaymentDeclinedError(RuntimeError):
    """The card was declined: not transient, the saga compensates."""


class OutOfStockError(RuntimeError):
    """Not enough units of an item: not transient, the saga compensates."""


class EmailTemporarilyUnavailableError(RuntimeError):
    """The mail service failed transiently: a retry succeeds."""
