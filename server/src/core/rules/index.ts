/** Every semantic rule. One rule per file; each file exports `rule`. */
import type { Rule } from './types';
import { rule as accessPatternSizeUnreachable } from './access-pattern-size-unreachable';
import { rule as sizeOverUlong } from './size-over-ulong';
import { rule as filterTargetOutOfRange } from './filter-target-out-of-range';
import { rule as damoDropsField } from './damo-drops-field';
import { rule as accessPatternMinMax } from './access-pattern-min-max';
import { rule as accessPatternResolution } from './access-pattern-resolution';
import { rule as actionUnsupportedByOps } from './action-unsupported-by-ops';
import { rule as damoFloatRounding } from './damo-float-rounding';
import { rule as filterAdmitsOutsideGoalCgroup } from './filter-admits-outside-goal-cgroup';
import { rule as filterCoreAfterOps } from './filter-core-after-ops';
import { rule as filterMemcgMismatch } from './filter-memcg-mismatch';
import { rule as filterMissingArgument } from './filter-missing-argument';
import { rule as filterNeverDecides } from './filter-never-decides';
import { rule as filterRangeInvalid } from './filter-range-invalid';
import { rule as filterUnsupportedByOps } from './filter-unsupported-by-ops';
import { rule as goalEligiblePaddrOnly } from './goal-eligible-paddr-only';
import { rule as goalFieldIgnored } from './goal-field-ignored';
import { rule as goalMemcgPathRequired } from './goal-memcg-path-required';
import { rule as goalNeedsResetInterval } from './goal-needs-reset-interval';
import { rule as goalNidRequired } from './goal-nid-required';
import { rule as goalRequiredKeys } from './goal-required-keys';
import { rule as goalTargetRange } from './goal-target-range';
import { rule as intervalsOrder } from './intervals-order';
import { rule as kdamondSingleContext } from './kdamond-single-context';
import { rule as kernelFeature } from './kernel-feature';
import { rule as keyIgnoredOnInput } from './key-ignored-on-input';
import { rule as memcgNoMemoryController } from './memcg-no-memory-controller';
import { rule as memcgPathForm } from './memcg-path-form';
import { rule as memcgPathUnknown } from './memcg-path-unknown';
import { rule as migrateNeedsDestination } from './migrate-needs-destination';
import { rule as migrateToMonitoredNode } from './migrate-to-monitored-node';
import { rule as nodeUnknown } from './node-unknown';
import { rule as nrRegionsRange } from './nr-regions-range';
import { rule as quotaGoalConsistOvershoot } from './quota-goal-consist-overshoot';
import { rule as quotaGoalTemporalUnbounded } from './quota-goal-temporal-unbounded';
import { rule as regionsInvalid } from './regions-invalid';
import { rule as regionsOutsideMemory } from './regions-outside-memory';
import { rule as schemeDuplicate } from './scheme-duplicate';
import { rule as targetsForOps } from './targets-for-ops';
import { rule as tieringChurnBand } from './tiering-churn-band';
import { rule as tieringDeadZone } from './tiering-dead-zone';
import { rule as tieringTargetsExceedNode } from './tiering-targets-exceed-node';
import { rule as tieringUnpaired } from './tiering-unpaired';
import { rule as u32Overflow } from './u32-overflow';
import { rule as watermarksOrder } from './watermarks-order';
import { rule as yaml11Ambiguous } from './yaml11-ambiguous';

export const RULES: Rule[] = [
  accessPatternSizeUnreachable,
  sizeOverUlong,
  filterTargetOutOfRange,
  damoDropsField,
  accessPatternMinMax,
  accessPatternResolution,
  actionUnsupportedByOps,
  damoFloatRounding,
  filterAdmitsOutsideGoalCgroup,
  filterCoreAfterOps,
  filterMemcgMismatch,
  filterMissingArgument,
  filterNeverDecides,
  filterRangeInvalid,
  filterUnsupportedByOps,
  goalEligiblePaddrOnly,
  goalFieldIgnored,
  goalMemcgPathRequired,
  goalNeedsResetInterval,
  goalNidRequired,
  goalRequiredKeys,
  goalTargetRange,
  intervalsOrder,
  kdamondSingleContext,
  kernelFeature,
  keyIgnoredOnInput,
  memcgNoMemoryController,
  memcgPathForm,
  memcgPathUnknown,
  migrateNeedsDestination,
  migrateToMonitoredNode,
  nodeUnknown,
  nrRegionsRange,
  quotaGoalConsistOvershoot,
  quotaGoalTemporalUnbounded,
  regionsInvalid,
  regionsOutsideMemory,
  schemeDuplicate,
  targetsForOps,
  tieringChurnBand,
  tieringDeadZone,
  tieringTargetsExceedNode,
  tieringUnpaired,
  u32Overflow,
  watermarksOrder,
  yaml11Ambiguous,
];

export const RULES_BY_ID = new Map(RULES.map((r) => [r.id, r]));
