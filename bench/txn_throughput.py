# Transactional vs idempotent producing with confluent-kafka-python (librdkafka 2.0.2).
# Usage: txn_throughput.py <bootstrap> <messages> <per-transaction>
# Prints one JSON line: msgs/s for each mode and the median commit_transaction() time.
import json
import statistics
import sys
import time

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
admin = AdminClient({"bootstrap.servers": bootstrap})
for t in ("bench-idem", "bench-txn"):
    admin.create_topics([NewTopic(t, num_partitions=3, replication_factor=1)])[t].result(timeout=15)
value = b"x" * 100


def idempotent():
    p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5})
    for part in range(3):  # warm-up: producer id, metadata of the new topic
        p.produce("bench-idem", value=value, partition=part)
    p.flush(30)
    start = time.perf_counter()
    for i in range(n):
        p.produce("bench-idem", value=value, partition=i % 3)
        if (i + 1) % per == 0:
            p.flush(30)  # the same sync points as the transactional run
    p.flush(30)
    return n / (time.perf_counter() - start)


def transactional():
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": "bench", "linger.ms": 5})
    p.init_transactions(30)
    p.begin_transaction()  # warm-up: metadata of the new topic
    for part in range(3):
        p.produce("bench-txn", value=value, partition=part)
    p.commit_transaction(30)
    commits = []
    flushes = []
    start = time.perf_counter()
    for i in range(0, n, per):
        p.begin_transaction()
        for j in range(per):
            p.produce("bench-txn", value=value, partition=(i + j) % 3)
        f = time.perf_counter()
        p.flush(30)
        c = time.perf_counter()
        flushes.append(c - f)
        p.commit_transaction(30)
        commits.append(time.perf_counter() - c)
    return n / (time.perf_counter() - start), statistics.median(commits) * 1000, statistics.median(flushes) * 1000


idem = idempotent()
txn, commit_ms, flush_ms = transactional()
print(json.dumps({"per_txn": per, "idempotent_msgs_s": round(idem), "txn_msgs_s": round(txn), "ratio": round(txn / idem, 2), "commit_ms_median": round(commit_ms, 2), "flush_ms_median": round(flush_ms, 2)}))
