# kafka-python scenario against a datacore broker: topic admin, produce with keys and
# headers, manual-assignment consumption and offsets_for_times.
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic

bootstrap = sys.argv[1]
TOPIC = "py-kafka-python"
N = 1000
BASE_TS = 1_700_000_000_000

admin = KafkaAdminClient(bootstrap_servers=bootstrap)
admin.create_topics([NewTopic(TOPIC, num_partitions=2, replication_factor=1, topic_configs={"retention.ms": "99999"})])
desc = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, TOPIC)])
entries = {e[0]: e[1] for e in desc[0].resources[0][4]}
assert entries["retention.ms"] == "99999", entries.get("retention.ms")
admin.create_partitions({TOPIC: NewPartitions(total_count=3)})

producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
futures = [
    producer.send(TOPIC, key=f"k{i}".encode(), value=f"v{i}".encode(), partition=i % 3,
                  headers=[("i", str(i).encode())], timestamp_ms=BASE_TS + i)
    for i in range(N)
]
producer.flush()
offsets = [f.get(timeout=10).offset for f in futures]
assert offsets == [i // 3 for i in range(N)], offsets[:10]
producer.close()

consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
parts = [TopicPartition(TOPIC, p) for p in range(3)]
consumer.assign(parts)
consumer.seek_to_beginning()
seen = {}
for _ in range(50):
    for tp, msgs in consumer.poll(timeout_ms=1000).items():
        for m in msgs:
            i = int(m.key.decode()[1:])
            assert m.value == f"v{i}".encode()
            assert m.headers == [("i", str(i).encode())]
            assert m.timestamp == BASE_TS + i
            seen[i] = m.offset
    if len(seen) == N:
        break
assert len(seen) == N, ("missing", sorted(set(range(N)) - set(seen)))
found = consumer.offsets_for_times({tp: BASE_TS + 500 for tp in parts})
got = {tp.partition: ot.offset for tp, ot in found.items()}
assert got == {0: 167, 1: 167, 2: 166}, got
end = consumer.end_offsets(parts)
assert {tp.partition: o for tp, o in end.items()} == {0: 334, 1: 333, 2: 333}, end
consumer.close()

admin.delete_topics([TOPIC])
assert TOPIC not in admin.list_topics()
admin.close()
print("kafka-python ok")
