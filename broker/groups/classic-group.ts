/**
 * A classic group (JoinGroup/SyncGroup/Heartbeat/LeaveGroup, KIP-345 static members,
 * KIP-394 member-id-required), following Kafka's ClassicGroup and GroupMetadataManager:
 *
 *   Empty ──join──▶ PreparingRebalance ──all joined / timeout──▶ CompletingRebalance
 *     ▲                    ▲    │                                        │ leader's SyncGroup
 *     └── last member gone ┘    └── nobody left ──▶ Empty               ▼
 *                          └──────── member joins/leaves/expires ──── Stable
 *
 * The data lives here; the transitions are in classic.ts. Waiters are the pending
 * JoinGroup/SyncGroup responses, completed when the rebalance moves on.
 */
import type { Timer } from "../../storage/clock.ts";

export type ClassicState =
  | "Empty"
  | "PreparingRebalance"
  | "CompletingRebalance"
  | "Stable"
  | "Dead";

export interface ClassicProtocol {
  name: string;
  metadata: Uint8Array;
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Uint8Array }[];
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Uint8Array;
}

export const EMPTY_BYTES = new Uint8Array(0);

export class ClassicMember {
  assignment: Uint8Array = EMPTY_BYTES;
  joinWaiter: ((r: JoinResult) => void) | null = null;
  syncWaiter: ((r: SyncResult) => void) | null = null;
  sessionTimer: Timer | null = null;
  /** JoinGroup v9+: the leader may be told to skip assignment (static leader replaced). */
  supportsSkipAssignment = false;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    public clientId: string,
    public clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    public protocolType: string,
    public protocols: ClassicProtocol[],
  ) {}

  get isAwaitingJoin(): boolean {
    return this.joinWaiter !== null;
  }

  metadataFor(protocol: string): Uint8Array {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY_BYTES;
  }

  sameProtocols(protocols: readonly ClassicProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((p, i) => {
      const mine = this.protocols[i]!;
      return mine.name === p.name && bytesEqual(mine.metadata, p.metadata);
    });
  }
}

export class ClassicGroup {
  readonly type = "classic" as const;
  state: ClassicState = "Empty";
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Wall-clock time of the last state change (GroupMetadataValue.currentStateTimestamp). */
  stateTimestampMs: number;
  readonly members = new Map<string, ClassicMember>();
  /** group.instance.id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** KIP-394: ids handed out with MEMBER_ID_REQUIRED, waiting for the second JoinGroup. */
  readonly pendingMembers = new Map<string, Timer>();
  /** Rebalance deadline or initial delay while PreparingRebalance; sync deadline after. */
  rebalanceTimer: Timer | null = null;
  /** True while group.initial.rebalance.delay.ms holds the first rebalance open. */
  inInitialDelay = false;
  newMemberJoinedDuringDelay = false;
  initialDelayDeadlineMs = 0;

  constructor(
    readonly groupId: string,
    nowMs: number,
  ) {
    this.stateTimestampMs = nowMs;
  }

  transition(state: ClassicState, nowMs: number): void {
    this.state = state;
    this.stateTimestampMs = nowMs;
  }

  isEmpty(): boolean {
    return this.members.size === 0;
  }

  /** The protocols every member supports (candidates for selection). */
  candidateProtocols(): Set<string> {
    let out: Set<string> | null = null;
    for (const m of this.members.values()) {
      const names = new Set(m.protocols.map((p) => p.name));
      if (out === null) out = names;
      else for (const n of out) if (!names.has(n)) out.delete(n);
    }
    return out ?? new Set();
  }

  /** A new or returning member fits if its type matches and it shares a protocol with all. */
  supportsProtocols(protocolType: string, protocols: readonly ClassicProtocol[]): boolean {
    if (protocolType.length === 0 || protocols.length === 0) return false;
    if (this.isEmpty()) return true;
    if (protocolType !== this.protocolType) return false;
    const candidates = this.candidateProtocols();
    return protocols.some((p) => candidates.has(p.name));
  }

  /** Kafka's selection: among protocols all support, the one most members list first. */
  selectProtocol(): string | null {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name));
      if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = -1;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    return best;
  }

  maxRebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  allMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const m of this.members.values()) if (!m.isAwaitingJoin) return false;
    return true;
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
