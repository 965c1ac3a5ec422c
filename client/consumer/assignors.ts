/**
 * Client-side partition assignors for the classic group protocol. The group leader runs
 * one of these over every member's subscription; the names are the protocol names the Java
 * client uses, so a datacore consumer can share a group with Java, librdkafka or kafkajs
 * consumers that use the same assignor.
 */

export interface MemberSubscription {
  memberId: string;
  /** Static membership id (KIP-345); orders members before memberId, as Java does. */
  groupInstanceId?: string | null;
  topics: readonly string[];
}

/** memberId → topic → sorted partition list. Every member appears, possibly with no topics. */
export type GroupAssignment = Map<string, Map<string, number[]>>;

export interface Assignor {
  /** Protocol name advertised in JoinGroup ("range", "roundrobin"). */
  readonly name: string;
  assign(
    members: readonly MemberSubscription[],
    partitionsPerTopic: ReadonlyMap<string, number>,
  ): GroupAssignment;
}

function memberOrder(a: MemberSubscription, b: MemberSubscription): number {
  const ka = a.groupInstanceId ?? a.memberId;
  const kb = b.groupInstanceId ?? b.memberId;
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
}

function emptyAssignment(members: readonly MemberSubscription[]): GroupAssignment {
  const out: GroupAssignment = new Map();
  for (const m of members) out.set(m.memberId, new Map());
  return out;
}

function give(out: GroupAssignment, memberId: string, topic: string, partition: number): void {
  const topics = out.get(memberId)!;
  let list = topics.get(topic);
  if (!list) {
    list = [];
    topics.set(topic, list);
  }
  list.push(partition);
}

/**
 * Range (Java RangeAssignor): per topic, the subscribed members in order each take a
 * contiguous range; the first `partitions % members` take one extra.
 */
export const rangeAssignor: Assignor = {
  name: "range",
  assign(members, partitionsPerTopic) {
    const out = emptyAssignment(members);
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
    for (const topic of topics) {
      const numPartitions = partitionsPerTopic.get(topic);
      if (numPartitions === undefined) continue;
      const subscribed = members.filter((m) => m.topics.includes(topic)).sort(memberOrder);
      const per = Math.floor(numPartitions / subscribed.length);
      const extra = numPartitions % subscribed.length;
      subscribed.forEach((m, i) => {
        const start = per * i + Math.min(i, extra);
        const length = per + (i < extra ? 1 : 0);
        for (let p = start; p < start + length; p++) give(out, m.memberId, topic, p);
      });
    }
    return out;
  },
};

/**
 * Round robin (Java RoundRobinAssignor): every partition of every subscribed topic, in
 * topic then partition order, goes to the next member (circularly) subscribed to its topic.
 */
export const roundRobinAssignor: Assignor = {
  name: "roundrobin",
  assign(members, partitionsPerTopic) {
    const out = emptyAssignment(members);
    const ordered = [...members].sort(memberOrder);
    if (ordered.length === 0) return out;
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
    let next = 0;
    for (const topic of topics) {
      const numPartitions = partitionsPerTopic.get(topic) ?? 0;
      for (let p = 0; p < numPartitions; p++) {
        for (let tries = 0; tries < ordered.length; tries++) {
          const m = ordered[next % ordered.length]!;
          next++;
          if (m.topics.includes(topic)) {
            give(out, m.memberId, topic, p);
            break;
          }
        }
      }
    }
    return out;
  },
};

export const ASSIGNORS: Readonly<Record<string, Assignor>> = {
  range: rangeAssignor,
  roundrobin: roundRobinAssignor,
};
