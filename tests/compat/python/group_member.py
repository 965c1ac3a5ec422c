"""One librdkafka (confluent-kafka-python) group member, for tests that kill it.

Prints JSON lines: {"assigned": [partitions]} on every assignment, and
{"p": partition, "o": offset, "v": value} per message; commits each message
synchronously. SIGTERM closes the consumer cleanly.
Usage: group_member.py <bootstrap> <group> <topic> [group.instance.id]
GROUP_STRATEGY in the environment sets partition.assignment.strategy
(e.g. cooperative-sticky: incremental rebalancing, KIP-429).
"""
import json
import os
import signal
import sys

from confluent_kafka import Consumer, KafkaException

bootstrap, group, topic = sys.argv[1:4]
instance = sys.argv[4] if len(sys.argv) > 4 else None
conf = {
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "session.timeout.ms": 6000,
    "heartbeat.interval.ms": 300,
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
}
if instance:
    conf["group.instance.id"] = instance
if os.environ.get("GROUP_STRATEGY"):
    conf["partition.assignment.strategy"] = os.environ["GROUP_STRATEGY"]
consumer = Consumer(conf)
running = True


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


owned = set()


# Eager rebalances revoke everything and assign the full set; cooperative ones pass
# only the increments. Tracking both ways prints the full assignment either way.
def on_assign(c, partitions):
    owned.update(p.partition for p in partitions)
    out({"assigned": sorted(owned)})


def on_revoke(c, partitions):
    owned.difference_update(p.partition for p in partitions)
    out({"assigned": sorted(owned)})


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
consumer.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_revoke)
while running:
    msg = consumer.poll(0.1)
    if msg is None or msg.error():
        continue
    out({"p": msg.partition(), "o": msg.offset(), "v": msg.value().decode()})
    try:
        consumer.commit(message=msg, asynchronous=False)
    except KafkaException as e:
        # A commit racing a rebalance gets REBALANCE_IN_PROGRESS (or ILLEGAL_GENERATION)
        # from Kafka too; the record is redelivered to the next owner (at least once).
        out({"commit_error": e.args[0].name()})
consumer.close()
