# confluent-kafka-python (librdkafka 2.0.2) transactions against a datacore broker.
# Usage: txn_scenarios.py <bootstrap> <phase> [args]; each phase asserts as it goes and
# prints one JSON line with what it saw.
#   basic <topic>            commit, abort, commit; read_committed vs read_uncommitted
#   fence <topic>            two producers with one transactional.id: the older is fenced
#   hold <topic> <txn-id>    opens a transaction, produces, flushes, prints "held", waits
#   worker <in> <out> <group> <txn-id>   consume-transform-produce until killed or idle
#                            (static member <txn-id>: a restart takes its seat at once)
#   read <topic> <isolation> prints the values of every record (read_committed/uncommitted)
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, phase = sys.argv[1], sys.argv[2]


def create(topic, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic].result(timeout=15)


def txn_producer(txn_id, **extra):
    conf = {"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5}
    conf.update(extra)
    p = Producer(conf)
    p.init_transactions(30)
    return p


def read_all(topic, isolation, idle_s=3.0):
    """Every record of every partition, from the beginning, until idle_s without news."""
    c = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"reader-{time.time()}",
            "isolation.level": isolation,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    md = c.list_topics(topic, timeout=10)
    parts = sorted(md.topics[topic].partitions)
    c.assign([TopicPartition(topic, p, 0) for p in parts])
    out = []
    last = time.time()
    while time.time() - last < idle_s:
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                continue
            raise KafkaException(m.error())
        out.append((m.partition(), m.offset(), m.value().decode()))
        last = time.time()
    positions = {tp.partition: tp.offset for tp in c.position([TopicPartition(topic, p) for p in parts])}
    c.close()
    return out, positions


def basic():
    topic = sys.argv[3]
    create(topic, 3)
    p = txn_producer("basic-txn")
    for name, commit in (("c1", True), ("a1", False), ("c2", True)):
        p.begin_transaction()
        for i in range(100):
            p.produce(topic, key=f"{name}-{i}".encode(), value=f"{name}-{i}".encode(), partition=i % 3)
        if commit:
            p.commit_transaction(30)
        else:
            p.flush(30)
            p.abort_transaction(30)
    committed, _ = read_all(topic, "read_committed")
    uncommitted, _ = read_all(topic, "read_uncommitted")
    cvals = [v for _, _, v in committed]
    uvals = [v for _, _, v in uncommitted]
    assert sorted(cvals) == sorted([f"c1-{i}" for i in range(100)] + [f"c2-{i}" for i in range(100)]), cvals
    assert sorted(uvals) == sorted([f"{n}-{i}" for n in ("c1", "a1", "c2") for i in range(100)]), len(uvals)
    # Per partition, committed values keep their produce order.
    for part in range(3):
        mine = [v for pp, _, v in committed if pp == part]
        assert mine == [f"c1-{i}" for i in range(100) if i % 3 == part] + [f"c2-{i}" for i in range(100) if i % 3 == part], mine
    print(json.dumps({"committed": len(cvals), "uncommitted": len(uvals)}))


def fence():
    topic = sys.argv[3]
    create(topic, 1)
    old = txn_producer("fence-txn")
    old.begin_transaction()
    old.produce(topic, value=b"zombie-1")
    old.flush(10)
    new = txn_producer("fence-txn")  # bumps the epoch: the old instance is a zombie now
    fenced = None
    try:
        old.produce(topic, value=b"zombie-2")
        old.commit_transaction(10)
    except KafkaException as e:
        fenced = e.args[0]
    assert fenced is not None, "the zombie committed"
    new.begin_transaction()
    new.produce(topic, value=b"live-1")
    new.commit_transaction(30)
    committed, _ = read_all(topic, "read_committed")
    vals = [v for _, _, v in committed]
    assert vals == ["live-1"], vals
    print(json.dumps({"fenced": fenced.name(), "fatal": fenced.fatal(), "committed": vals}))


def hold():
    topic, txn_id = sys.argv[3], sys.argv[4]
    p = txn_producer(txn_id, **{"transaction.timeout.ms": 5000})
    p.begin_transaction()
    for i in range(10):
        p.produce(topic, value=f"held-{i}".encode(), partition=0)
    p.flush(10)
    print("held", flush=True)
    time.sleep(600)


def worker():
    src, dst, group, txn_id = sys.argv[3:7]
    p = txn_producer(txn_id, **{"transaction.timeout.ms": 10000})
    c = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "isolation.level": "read_committed",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000,
            "group.instance.id": txn_id,
        }
    )
    c.subscribe([src])
    idle_since = time.time()
    done = 0
    while time.time() - idle_since < 8:
        msgs = c.consume(20, 0.5)
        msgs = [m for m in msgs if not m.error()]
        if not msgs:
            continue
        idle_since = time.time()
        p.begin_transaction()
        for m in msgs:
            p.produce(dst, key=m.key(), value=b"out-" + m.value(), partition=m.partition())
        p.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 30)
        p.commit_transaction(30)
        done += len(msgs)
        print(json.dumps({"batch": len(msgs)}), flush=True)
    c.close()
    print(json.dumps({"idle": True, "done": done}), flush=True)


def read():
    topic, isolation = sys.argv[3], sys.argv[4]
    recs, positions = read_all(topic, isolation)
    print(json.dumps({"values": [v for _, _, v in recs], "positions": positions}))


{"basic": basic, "fence": fence, "hold": hold, "worker": worker, "read": read}[phase]()
