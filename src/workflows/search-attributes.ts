// Search attribute keys that make jobs findable in the Temporal UI (registered by scripts/services.sh).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const JobIdKey = defineSearchAttributeKey('HeadwaterJobId', SearchAttributeType.KEYWORD);
export const StateKey = defineSearchAttributeKey('HeadwaterState', SearchAttributeType.KEYWORD);
export const PhaseKey = defineSearchAttributeKey('HeadwaterPhase', SearchAttributeType.KEYWORD);
export const SourceKey = defineSearchAttributeKey('HeadwaterSource', SearchAttributeType.KEYWORD);
