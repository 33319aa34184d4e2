/**
 * When an oplog slice's age starts, for its age limit (`sliceMaxAgeMs`): its first entry's write on the
 * source (`wall`), so the time an entry waited to be read counts toward the limit, which then bounds
 * capture lag (write -> slice written) rather than read -> slice written. Kept within [read - limit/2,
 * read]: a worker clock behind the source's never stretches a slice past the limit after its first read,
 * and one ahead at most halves slices' age.
 */
export function sliceAgeFrom(wall: unknown, readAt: number, sliceMaxAgeMs: number): number {
  if (!(wall instanceof Date) || Number.isNaN(wall.getTime())) return readAt;
  return Math.min(readAt, Math.max(wall.getTime(), readAt - sliceMaxAgeMs / 2));
}
