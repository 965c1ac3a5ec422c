# confluent-kafka-python (librdkafka) scenario against a datacore broker: topic admin,
# an idempotent producer, manual-assignment consumption and offsets_for_times.
# Usage: confluent_roundtrip.py <bootstrap> <phase> ; phases: admin, produce, consume.
import json
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

bootstrap, phase = sys.argv[1], sys.argv[2]
TOPIC = "py-confluent"
N = 2000
BASE_TS = 1_700_000_000_000


def admin_phase():
    admin = AdminClient({"bootstrap.servers": bootstrap})
    fs = admin.create_topics(
        [NewTopic("py-admin", num_partitions=2, replication_factor=1, config={"retention.ms": "123456"})],
        operation_timeout=10,
    )
    fs["py-admin"].result(timeout=10)
    res = ConfigResource("topic", "py-admin")
    configs = admin.describe_configs([res])[res].result(timeout=10)
    assert configs["retention.ms"].value == "123456", configs["retention.ms"]
    assert configs["cleanup.policy"].value == "delete"
    assert configs["cleanup.policy"].is_default
    admin.create_partitions([NewPartitions("py-admin", 3)])["py-admin"].result(timeout=10)
    md = admin.list_topics(timeout=10)
    assert len(md.topics["py-admin"].partitions) == 3, md.topics["py-admin"].partitions
    # Creating it again is TOPIC_ALREADY_EXISTS.
    try:
        admin.create_topics([NewTopic("py-admin", num_partitions=1, replication_factor=1)])["py-admin"].result(timeout=10)
        raise AssertionError("duplicate create succeeded")
    except KafkaException as e:
        assert e.args[0].name() == "TOPIC_ALREADY_EXISTS", e
    admin.delete_topics(["py-admin"], operation_timeout=10)["py-admin"].result(timeout=10)
    md = admin.list_topics(timeout=10)
    assert "py-admin" not in md.topics, list(md.topics)
    print("admin ok")


def produce_phase():
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(TOPIC, num_partitions=3, replication_factor=1)])[TOPIC].result(timeout=10)
    p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all", "linger.ms": 5})
    delivered = []

    def on_delivery(err, msg):
        if err is not None:
            raise KafkaException(err)
        delivered.append((msg.partition(), msg.offset()))

    for i in range(N):
        p.produce(
            TOPIC,
            key=f"k{i}".encode(),
            value=f"v{i}".encode(),
            partition=i % 3,
            headers=[("i", str(i).encode())],
            timestamp=BASE_TS + i,
            on_delivery=on_delivery,
        )
        if i % 500 == 0:
            p.poll(0)
    assert p.flush(30) == 0
    assert len(delivered) == N, len(delivered)
    per_part = {}
    for part, off in delivered:
        per_part.setdefault(part, []).append(off)
    for part, offs in per_part.items():
        assert sorted(offs) == list(range(len(offs))), (part, offs[:10])
    print(json.dumps({"delivered": len(delivered)}))


def consume_phase():
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused-no-commit", "enable.auto.commit": False})
    c.assign([TopicPartition(TOPIC, p, 0) for p in range(3)])
    seen = {}
    while len(seen) < N:
        msgs = c.consume(num_messages=1000, timeout=10)
        if not msgs:
            break
        for m in msgs:
            if m.error():
                raise KafkaException(m.error())
            i = int(m.key().decode()[1:])
            assert m.value() == f"v{i}".encode()
            assert m.headers() == [("i", str(i).encode())]
            assert m.timestamp()[1] == BASE_TS + i
            assert m.partition() == i % 3
            seen[i] = m.offset()
    assert len(seen) == N, ("missing", sorted(set(range(N)) - set(seen)))
    # offsets_for_times: message i sits in partition i % 3 at offset i // 3.
    target = 1000
    res = c.offsets_for_times([TopicPartition(TOPIC, p, BASE_TS + target) for p in range(3)], timeout=10)
    got = {tp.partition: tp.offset for tp in res}
    expect = {p: (target - p + 2) // 3 for p in range(3)}
    assert got == expect, (got, expect)
    lo, hi = c.get_watermark_offsets(TopicPartition(TOPIC, 0), timeout=10)
    assert (lo, hi) == (0, (N + 2) // 3), (lo, hi)
    c.close()
    print(json.dumps({"consumed": len(seen)}))


{"admin": admin_phase, "produce": produce_phase, "consume": consume_phase}[phase]()
