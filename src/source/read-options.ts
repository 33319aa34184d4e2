/**
 * How Headwater reads a source replica set: which member and with which read concern. The tail takes
 * these as find options for `local.oplog.rs`.
 */
import type { ReadConcernLike, ReadPreferenceLike } from 'mongodb';

export interface SourceReads {
  readConcern?: ReadConcernLike;
  readPreference?: ReadPreferenceLike;
}
