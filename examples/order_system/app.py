"""The reference article's order system, composed from serverless-patterns constructs.

cdk synth            # with the npm aws-cdk CLI (cdk.json runs this file)
python app.py        # synthesizes into ./cdk.out
"""

from __future__ import annotations

import sys
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from serverless_patterns import QueueProcessor, ServerlessFunction

HANDLERS = Path(__file__).resolve().parent / "handlers"


class OrderSystemStack(cdk.Stack):
    """Orders: bulk ingestion through a queue into the orders table."""

    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        orders = dynamodb.TableV2(
            self,
            "Orders",
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        ingest_function = ServerlessFunction(
            self,
            "IngestFunction",
            entry=str(HANDLERS),
            handler="ingest.index.handler",
            environment={"ORDERS_TABLE": orders.table_name},
        )
        orders.grant(ingest_function.function, "dynamodb:PutItem")
        self.ingest = QueueProcessor(self, "Ingest", function=ingest_function)
        cdk.CfnOutput(self, "IngestQueueUrl", value=self.ingest.queue.queue_url)
        cdk.CfnOutput(self, "OrdersTableName", value=orders.table_name)


def build_app(outdir: str | None = None) -> cdk.App:
    """The order system app, ready to synthesize into ``outdir`` (default ``cdk.out``)."""
    app = cdk.App(outdir=outdir)
    OrderSystemStack(app, "OrderSystem")
    return app


if __name__ == "__main__":
    build_app(sys.argv[1] if len(sys.argv) > 1 else None).synth()
