"""Independent reader/writer of Kafka record formats for tests/compat/records-interop.test.ts.

Uses kafka-python's record classes (pure Python, plus python3-snappy/lz4/zstandard for
codecs), which share no code with datacore.

  parse FILE        -> JSON: every batch/message set in FILE, CRC-checked, records decoded
  build SPEC.json   -> hex on stdout: batches built by kafka-python from the spec
"""
import json
import sys

from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.legacy_records import LegacyRecordBatch, LegacyRecordBatchBuilder
from kafka.record.memory_records import MemoryRecords


def b2hex(b):
    return None if b is None else bytes(b).hex()


def parse(path):
    data = open(path, "rb").read()
    records = MemoryRecords(data)
    out = []
    while True:
        batch = records.next_batch()
        if batch is None:
            break
        if not batch.validate_crc():
            raise SystemExit("crc mismatch")
        magic = batch._magic if isinstance(batch, LegacyRecordBatch) else batch.magic
        entry = {"magic": magic, "compression": batch.compression_type, "records": []}
        if magic == 2:
            entry.update(
                base_offset=batch.base_offset,
                last_offset_delta=batch.last_offset_delta,
                transactional=batch.is_transactional,
                control=batch.is_control_batch,
                timestamp_type=batch.timestamp_type,
                max_timestamp=batch.max_timestamp,
            )
        for r in batch:
            rec = {"offset": r.offset, "timestamp": r.timestamp, "key": b2hex(r.key), "value": b2hex(r.value)}
            if magic == 2:
                rec["headers"] = [[k, b2hex(v)] for k, v in r.headers]
            entry["records"].append(rec)
        out.append(entry)
    print(json.dumps(out))


def build(path):
    spec = json.load(open(path))
    out = bytearray()
    for b in spec["batches"]:
        recs = b["records"]
        if b["magic"] == 2:
            builder = DefaultRecordBatchBuilder(
                magic=2, compression_type=b["compression"], is_transactional=b.get("transactional", False),
                producer_id=b.get("producer_id", -1), producer_epoch=b.get("producer_epoch", -1),
                base_sequence=b.get("base_sequence", -1), batch_size=1 << 30)
            for i, r in enumerate(recs):
                builder.append(i, r["timestamp"], h(r["key"]), h(r["value"]),
                               [(k, h(v)) for k, v in r.get("headers", [])])
        else:
            builder = LegacyRecordBatchBuilder(magic=b["magic"], compression_type=b["compression"], batch_size=1 << 30)
            for i, r in enumerate(recs):
                builder.append(i, r["timestamp"] if b["magic"] == 1 else None, h(r["key"]), h(r["value"]))
        out += builder.build()
    print(bytes(out).hex())


def h(x):
    return None if x is None else bytes.fromhex(x)


if __name__ == "__main__":
    {"parse": parse, "build": build}[sys.argv[1]](sys.argv[2])
