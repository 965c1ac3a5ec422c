/** Small pieces shared by the group handlers (08–16, 42, 47, 68, 69). */

/** Kafka reports a member's host as `/<address>` (Java's InetAddress.toString()). */
export function clientHostOf(remote: string): string {
  const colon = remote.lastIndexOf(":");
  const host = colon > 0 ? remote.slice(0, colon) : remote;
  return `/${host}`;
}

/** DescribeGroups/ConsumerGroupDescribe v3+: operations not computed (no ACLs yet). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
