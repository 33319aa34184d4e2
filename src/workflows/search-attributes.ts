// Search attribute keys that make jobs findable in the Temporal UI (registered by scripts/services.sh from
// HW_SEARCH_ATTRIBUTES, and by docker/temporal/register-search-attributes.sh in compose).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const JobIdKey = defineSearchAttributeKey('HeadwaterJobId', SearchAttributeType.KEYWORD);
export const StateKey = defineSearchAttributeKey('HeadwaterState', SearchAttributeType.KEYWORD);
export const PhaseKey = defineSearchAttributeKey('HeadwaterPhase', SearchAttributeType.KEYWORD);
export const SourceKey = defineSearchAttributeKey('HeadwaterSource', SearchAttributeType.KEYWORD);
/** The job's health: `HeadwaterHealth='headroom low'` finds the jobs whose oplog may roll over soon. */
export const HealthKey = defineSearchAttributeKey('HeadwaterHealth', SearchAttributeType.KEYWORD);

export const HEALTH = { ok: 'ok', headroomLow: 'headroom low' } as const;
export type Health = (typeof HEALTH)[keyof typeof HEALTH];
