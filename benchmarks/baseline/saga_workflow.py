"""The article's OrderWorkflowStack, hand-written with aws-cdk-lib L2 constructs.

Translated from the reference article's TypeScript (``lib/order-workflow-stack.ts``) with its
choices kept: five ``LambdaInvoke`` tasks with ``output_path="$.Payload"`` (the inventory task
also with ``result_path="$.inventoryResult"``), the choices "Order Geldig?", "Betaling
Succesvol?" and "Voorraad Gereserveerd?", a refund only when inventory is not reserved, a
5-minute timeout and X-Ray tracing. The functions are parameters so that both sides of the
benchmark invoke the same user-defined functions.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks


def order_workflow_stack(
    stack: cdk.Stack,
    *,
    validate_order: lambda_.IFunction,
    process_payment: lambda_.IFunction,
    reserve_inventory: lambda_.IFunction,
    notify_customer: lambda_.IFunction,
    refund_payment: lambda_.IFunction,
) -> sfn.StateMachine:
    """The article's tasks, choices and state machine over the given functions."""
    validate_task = tasks.LambdaInvoke(stack, "Valideer Order", lambda_function=validate_order, output_path="$.Payload")
    payment_task = tasks.LambdaInvoke(
        stack, "Verwerk Betaling", lambda_function=process_payment, output_path="$.Payload"
    )
    inventory_task = tasks.LambdaInvoke(
        stack,
        "Reserveer Voorraad",
        lambda_function=reserve_inventory,
        output_path="$.Payload",
        result_path="$.inventoryResult",
    )
    notify_task = tasks.LambdaInvoke(
        stack, "Notificeer Klant", lambda_function=notify_customer, output_path="$.Payload"
    )
    refund_task = tasks.LambdaInvoke(stack, "Terugbetaling", lambda_function=refund_payment, output_path="$.Payload")

    order_success = sfn.Succeed(stack, "Order Succesvol")
    order_failed = sfn.Fail(stack, "Order Mislukt", cause="Order verwerking mislukt", error="OrderProcessingError")

    definition = validate_task.next(
        sfn.Choice(stack, "Order Geldig?")
        .when(sfn.Condition.boolean_equals("$.valid", True), payment_task)
        .otherwise(order_failed)
    )
    payment_task.next(
        sfn.Choice(stack, "Betaling Succesvol?")
        .when(sfn.Condition.string_equals("$.paymentStatus", "SUCCESS"), inventory_task)
        .otherwise(order_failed)
    )
    inventory_task.next(
        sfn.Choice(stack, "Voorraad Gereserveerd?")
        .when(
            sfn.Condition.boolean_equals("$.inventoryResult.Payload.reserved", True),
            notify_task.next(order_success),
        )
        .otherwise(
            refund_task.next(
                sfn.Fail(stack, "Onvoldoende Voorraad", cause="Kan voorraad niet reserveren", error="InventoryError")
            )
        )
    )

    state_machine = sfn.StateMachine(
        stack,
        "OrderWorkflow",
        state_machine_name="order-processing-workflow",
        definition_body=sfn.DefinitionBody.from_chainable(definition),
        timeout=cdk.Duration.minutes(5),
        tracing_enabled=True,
    )
    cdk.CfnOutput(
        stack, "StateMachineArn", value=state_machine.state_machine_arn, description="Order Workflow State Machine ARN"
    )
    return state_machine
