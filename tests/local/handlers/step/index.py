"""A Step Functions task: adds one, or raises a custom error."""


class OutOfStock(Exception):  # noqa: N818 - the Step Functions error name the state machine catches
    pass


def handler(event, context):
    if event.get("fail"):
        raise OutOfStock("no stock for " + str(event.get("item")))
    return {**event, "count": event.get("count", 0) + 1}
