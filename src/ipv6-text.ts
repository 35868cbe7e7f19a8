// IPv6 addresses as text for logs and forwarding headers (RFC 5952), from their eight 16-bit groups.

/** Lower-case hex without leading zeros, the first longest run of two or more zero groups as "::". */
export function ipv6Text(groups: readonly number[]): string {
  let runStart = -1;
  let runLength = 1;
  for (let start = 0; start < groups.length; ) {
    let end = start;
    while (end < groups.length && groups[end] === 0) end++;
    if (end - start > runLength) [runStart, runLength] = [start, end - start];
    start = end === start ? start + 1 : end;
  }
  const hex = (from: number, to?: number) =>
    groups
      .slice(from, to)
      .map((group) => group.toString(16))
      .join(':');
  return runStart < 0 ? hex(0) : `${hex(0, runStart)}::${hex(runStart + runLength)}`;
}
