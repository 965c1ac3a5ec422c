/**
 * A KIP-848 consumer group: the server owns the assignment. The group epoch moves when
 * membership or subscriptions change; the target assignment is recomputed for it; each
 * member converges to its target one heartbeat at a time (consumer.ts), giving up
 * partitions before anyone else may take them.
 */
import type { Timer } from "../../storage/clock.ts";
import type { TopicAssignment } from "./assignors.ts";
import type { TopicCatalog } from "./context.ts";

/** Kafka's MemberState codes, as stored in ConsumerGroupCurrentMemberAssignmentValue. */
export const MemberState = {
  STABLE: 1,
  UNREVOKED_PARTITIONS: 2,
  UNRELEASED_PARTITIONS: 3,
  UNKNOWN: 127,
} as const;

/** Epoch a static member leaves with when it means to come back (KIP-848). */
export const LEAVE_STATIC_EPOCH = -2;

export class ConsumerMember {
  instanceId: string | null = null;
  rackId: string | null = null;
  clientId = "";
  clientHost = "";
  subscribedTopicNames: string[] = [];
  subscribedTopicRegex: string | null = null;
  rebalanceTimeoutMs = 300_000;
  serverAssignor: string | null = null;
  memberEpoch = 0;
  previousMemberEpoch = -1;
  state: number = MemberState.STABLE;
  assigned: TopicAssignment = new Map();
  pendingRevocation: TopicAssignment = new Map();
  sessionTimer: Timer | null = null;
  revocationTimer: Timer | null = null;

  constructor(public memberId: string) {}
}

export class ConsumerGroup {
  readonly type = "consumer" as const;
  groupEpoch = 0;
  assignmentEpoch = 0;
  readonly members = new Map<string, ConsumerMember>();
  readonly staticMembers = new Map<string, string>();
  /** memberId → target assignment at assignmentEpoch. */
  readonly target = new Map<string, TopicAssignment>();
  /** Topic names, ids and partition counts the last target assignment was computed from. */
  metadataSnapshot = "";

  constructor(readonly groupId: string) {}

  /** Kafka's ConsumerGroupState names. */
  stateName(): "Empty" | "Assigning" | "Reconciling" | "Stable" {
    if (this.members.size === 0) return "Empty";
    if (this.groupEpoch > this.assignmentEpoch) return "Assigning";
    for (const m of this.members.values()) {
      if (m.memberEpoch !== this.assignmentEpoch || m.state !== MemberState.STABLE)
        return "Reconciling";
    }
    return "Stable";
  }

  /** Topic names the members subscribe to, by name or by regex, that exist. */
  subscribedTopicNames(topics: TopicCatalog): string[] {
    const names = new Set<string>();
    const regexes: RegExp[] = [];
    for (const m of this.members.values()) {
      for (const t of m.subscribedTopicNames) names.add(t);
      if (m.subscribedTopicRegex !== null) {
        const re = compileSubscriptionRegex(m.subscribedTopicRegex);
        if (re) regexes.push(re);
      }
    }
    const out: string[] = [];
    for (const t of topics.list()) {
      if (names.has(t.name) || (!t.name.startsWith("__") && regexes.some((re) => re.test(t.name))))
        out.push(t.name);
    }
    return out;
  }

  /** Who holds (topic, partition) now, as assigned or pending revocation. */
  ownerOf(topicId: string, partition: number, except: string): string | null {
    for (const m of this.members.values()) {
      if (m.memberId === except) continue;
      if (
        m.assigned.get(topicId)?.has(partition) ||
        m.pendingRevocation.get(topicId)?.has(partition)
      )
        return m.memberId;
    }
    return null;
  }
}

/**
 * Kafka compiles subscription regexes with RE2/J and matches whole topic names. JS
 * RegExp is close for the patterns people write (`orders\..*`, `a|b`); RE2 rejects
 * backreferences and lookaround, which JS accepts — we do too.
 */
export function compileSubscriptionRegex(source: string): RegExp | null {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch {
    return null;
  }
}

export function cloneAssignment(a: TopicAssignment): TopicAssignment {
  const out: TopicAssignment = new Map();
  for (const [t, ps] of a) if (ps.size > 0) out.set(t, new Set(ps));
  return out;
}

export function assignmentEquals(a: TopicAssignment, b: TopicAssignment): boolean {
  const count = (x: TopicAssignment) => [...x.values()].reduce((n, s) => n + s.size, 0);
  if (count(a) !== count(b)) return false;
  for (const [t, ps] of a) {
    const other = b.get(t);
    for (const p of ps) if (!other?.has(p)) return false;
  }
  return true;
}

export function toTopicPartitions(a: TopicAssignment): { topicId: string; partitions: number[] }[] {
  return [...a]
    .filter(([, ps]) => ps.size > 0)
    .map(([topicId, ps]) => ({ topicId, partitions: [...ps].sort((x, y) => x - y) }));
}

export function fromTopicPartitions(
  list: readonly { topicId: string; partitions: readonly number[] }[],
): TopicAssignment {
  const out: TopicAssignment = new Map();
  for (const tp of list) {
    if (tp.partitions.length === 0) continue;
    const set = out.get(tp.topicId) ?? new Set<number>();
    for (const p of tp.partitions) set.add(p);
    out.set(tp.topicId, set);
  }
  return out;
}
