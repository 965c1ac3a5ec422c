"""One librdkafka (confluent-kafka-python) group member, for tests that kill it.

Prints JSON lines: {"assigned": [partitions]} on every assignment, and
{"p": partition, "o": offset, "v": value} per message; commits each message
synchronously. SIGTERM closes the consumer cleanly.
Usage: group_member.py <bootstrap> <group> <topic> [group.instance.id]
"""
import json
import signal
import sys

from confluent_kafka import Consumer

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
consumer = Consumer(conf)
running = True


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def on_assign(c, partitions):
    out({"assigned": sorted(p.partition for p in partitions)})


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
consumer.subscribe([topic], on_assign=on_assign)
while running:
    msg = consumer.poll(0.1)
    if msg is None or msg.error():
        continue
    out({"p": msg.partition(), "o": msg.offset(), "v": msg.value().decode()})
    consumer.commit(message=msg, asynchronous=False)
consumer.close()
