/**
 * KIP-848 server-side assignors. Both take the members' subscriptions (topic ids) and
 * current target assignment, and return a new target assignment: every partition of a
 * subscribed topic goes to exactly one member that subscribes to it.
 *
 * - `uniform` (the default, like Kafka's UniformAssignor): balanced and sticky. Members
 *   keep what they have, the rest goes to the least-loaded eligible member, then single
 *   partitions move from a member to a less loaded eligible one until no such pair
 *   differs by more than one (a balanced assignment is a fixed point, so it is kept). With identical subscriptions that is
 *   Kafka's guarantee (counts differ by at most one, minimal movement); with different
 *   subscriptions it is a greedy approximation of Kafka's GeneralUniformAssignmentBuilder.
 * - `range` (like RangeAssignor): per topic, members sorted by id take contiguous ranges,
 *   the first `partitions % members` one extra — co-partitioned topics line up.
 */

export type TopicAssignment = Map<string, Set<number>>;

export interface AssignorMember {
  memberId: string;
  /** Subscribed topic ids that exist. */
  topics: ReadonlySet<string>;
  /** The member's current target assignment (for stickiness). */
  current: TopicAssignment;
}

export interface AssignmentSpec {
  members: readonly AssignorMember[];
  /** topic id → partition count, for every topic some member subscribes to. */
  topics: ReadonlyMap<string, number>;
}

export type Assignor = (spec: AssignmentSpec) => Map<string, TopicAssignment>;

export const ASSIGNORS: Readonly<Record<string, Assignor>> = {
  uniform: uniformAssign,
  range: rangeAssign,
};
export const DEFAULT_ASSIGNOR = "uniform";

function byId(a: { memberId: string }, b: { memberId: string }): number {
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
}

function emptyResult(spec: AssignmentSpec): Map<string, TopicAssignment> {
  const out = new Map<string, TopicAssignment>();
  for (const m of spec.members) out.set(m.memberId, new Map());
  return out;
}

function add(a: TopicAssignment, topic: string, p: number): void {
  let set = a.get(topic);
  if (!set) {
    set = new Set();
    a.set(topic, set);
  }
  set.add(p);
}

export function rangeAssign(spec: AssignmentSpec): Map<string, TopicAssignment> {
  const out = emptyResult(spec);
  const sorted = [...spec.members].sort(byId);
  for (const [topic, count] of spec.topics) {
    const subs = sorted.filter((m) => m.topics.has(topic));
    if (subs.length === 0) continue;
    const base = Math.floor(count / subs.length);
    const extra = count % subs.length;
    let next = 0;
    subs.forEach((m, i) => {
      const n = base + (i < extra ? 1 : 0);
      for (let k = 0; k < n; k++) add(out.get(m.memberId)!, topic, next++);
    });
  }
  return out;
}

export function uniformAssign(spec: AssignmentSpec): Map<string, TopicAssignment> {
  const out = emptyResult(spec);
  const members = [...spec.members].sort(byId);
  if (members.length === 0) return out;
  const count = new Map<string, number>(members.map((m) => [m.memberId, 0]));
  const owner = new Map<string, string>(); // "topic:p" → member
  const subscribers = new Map<string, AssignorMember[]>();
  for (const t of spec.topics.keys())
    subscribers.set(
      t,
      members.filter((m) => m.topics.has(t)),
    );
  // 1. Stickiness: keep current partitions that still exist and are subscribed; the
  //    balancing pass below takes away only what a fair spread requires.
  for (const m of members) {
    for (const [topic, parts] of m.current) {
      const n = spec.topics.get(topic);
      if (n === undefined || !m.topics.has(topic)) continue;
      for (const p of [...parts].sort((a, b) => a - b)) {
        const key = `${topic}:${p}`;
        if (p >= n || owner.has(key)) continue;
        owner.set(key, m.memberId);
        count.set(m.memberId, count.get(m.memberId)! + 1);
      }
    }
  }
  // 2. The rest to the least-loaded eligible member; scarce topics first.
  const topics = [...spec.topics.keys()].sort(
    (a, b) =>
      subscribers.get(a)!.length - subscribers.get(b)!.length || (a < b ? -1 : a > b ? 1 : 0),
  );
  for (const topic of topics) {
    const subs = subscribers.get(topic)!;
    if (subs.length === 0) continue;
    const n = spec.topics.get(topic)!;
    for (let p = 0; p < n; p++) {
      const key = `${topic}:${p}`;
      if (owner.has(key)) continue;
      let best = subs[0]!;
      for (const s of subs) if (count.get(s.memberId)! < count.get(best.memberId)!) best = s;
      owner.set(key, best.memberId);
      count.set(best.memberId, count.get(best.memberId)! + 1);
    }
  }
  // 3. Balance: the most loaded member gives one partition to the least loaded eligible
  //    member while they differ by more than one. Donors are always maxima, so no
  //    partition moves between members that were already balanced.
  for (let rounds = 0; rounds < 100_000; rounds++) {
    const donors = [...members].sort(
      (a, b) => count.get(b.memberId)! - count.get(a.memberId)! || byId(a, b),
    );
    let moved = false;
    for (const from of donors) {
      const fromCount = count.get(from.memberId)!;
      for (const [key, ownerId] of owner) {
        if (ownerId !== from.memberId) continue;
        const topic = key.slice(0, key.lastIndexOf(":"));
        let to: AssignorMember | null = null;
        for (const s of subscribers.get(topic)!) {
          const c = count.get(s.memberId)!;
          if (c < fromCount - 1 && (to === null || c < count.get(to.memberId)!)) to = s;
        }
        if (to === null) continue;
        owner.set(key, to.memberId);
        count.set(from.memberId, fromCount - 1);
        count.set(to.memberId, count.get(to.memberId)! + 1);
        moved = true;
        break;
      }
      if (moved) break;
    }
    if (!moved) break;
  }
  for (const [key, memberId] of owner) {
    const at = key.lastIndexOf(":");
    add(out.get(memberId)!, key.slice(0, at), Number(key.slice(at + 1)));
  }
  return out;
}
