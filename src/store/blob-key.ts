/**
 * The rules every blob key obeys, checked the same way by every backend, so that a key valid on S3 is
 * valid on a filesystem and can never climb out of the fs store's root. Keys are printable ASCII, hence
 * JavaScript's string order is the byte order that `list` promises on every backend.
 */
import { InvalidConfig } from '../errors/domain-errors.js';

/** Longest key, leaving room for an S3 prefix inside S3's 1,024-byte limit. */
export const MAX_KEY_LENGTH = 900;
/** Longest segment: a file name on common filesystems. */
export const MAX_SEGMENT_LENGTH = 255;

// Printable ASCII without space and backslash: portable as file names and S3 keys without escaping rules.
const KEY_CHARS = /^[\x21-\x5b\x5d-\x7e]*$/;

function refuse(what: string, value: string, why: string): never {
  throw new InvalidConfig(`invalid blob ${what} '${value}': ${why}`, { details: { [what]: value } });
}

/** Why a complete segment is unacceptable, or undefined if it is fine. */
function segmentProblem(segment: string): string | undefined {
  if (segment === '') return 'empty segments are not allowed (no leading, trailing or double slash)';
  // '.' and '..' would walk the fs store's tree; other dot names are reserved for its temporary files.
  if (segment.startsWith('.')) return `segment '${segment}' starts with '.', which is reserved`;
  if (segment.length > MAX_SEGMENT_LENGTH) return `a segment is longer than ${MAX_SEGMENT_LENGTH} characters`;
  return undefined;
}

/** Why `key` is not a valid blob key, or undefined if it is one. */
export function blobKeyProblem(key: string): string | undefined {
  if (key === '') return 'a key must not be empty';
  if (key.length > MAX_KEY_LENGTH) return `longer than ${MAX_KEY_LENGTH} characters`;
  if (!KEY_CHARS.test(key)) return 'only printable ascii without space or backslash is allowed';
  for (const segment of key.split('/')) {
    const problem = segmentProblem(segment);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** Throws `InvalidConfig` unless `key` is a valid blob key. */
export function assertBlobKey(key: string): void {
  const problem = blobKeyProblem(key);
  if (problem !== undefined) refuse('key', key.length > 80 ? `${key.slice(0, 80)}...` : key, problem);
}

/** Throws `InvalidConfig` unless `prefix` could start a valid key ('' is valid: everything). */
export function assertBlobPrefix(prefix: string): void {
  if (prefix === '') return;
  if (!KEY_CHARS.test(prefix))
    refuse('prefix', prefix, 'only printable ascii without space or backslash is allowed');
  const complete = prefix.split('/').slice(0, -1);
  for (const segment of complete) {
    const problem = segmentProblem(segment);
    if (problem !== undefined) refuse('prefix', prefix, problem);
  }
}

/** The least string greater than every string that starts with `prefix` (for range queries); '' has none. */
export function prefixUpperBound(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  // Valid prefixes are ASCII below 0x7f, so the last character can always be incremented.
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
