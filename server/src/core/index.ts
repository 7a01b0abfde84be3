/** The DAMON domain core: parse, model, rules. Nothing here imports vscode or the LSP libraries. */
export { checkText, isDamonConfigText, MAX_TEXT_LENGTH, type CheckOptions, type CheckResult, type CheckedDocument } from './check';
export { checkIncremental, visiblePrefix, firstScreen, CROSS_ITEM_RULES, type IncrementalState, type IncrementalResult } from './incremental';
export type { ConfigPath, CoreDiagnostic, Fix, OffsetRange, RelatedInfo, Severity, TextEdit } from './diagnostic';
export { LineIndex, type Position } from './parse/lines';
export { mapGet, nodeAtPath, pathAtOffset, toJS, type SNode, type SScalar, type SMap, type SSeq, type SPair } from './parse/tree';
export * from './model/kernel';
export { formatBytes, formatUs, formatBp, formatPermil, formatValue, type ParsedValue } from './model/units';
export { describeAdmission } from './model/filters';
export { loadProfile, profileToYaml } from './profile-load';
export type { MachineProfile, ProfileNode } from './profile';
export { RULES, RULES_BY_ID } from './rules/index';
export type { Rule } from './rules/types';
export { CONFIG_SCHEMA, schemaAt, keysAt, ACTIONS, GOAL_METRICS, FILTER_TYPES } from './schema/spec';
export { NEWEST_KNOWN_KERNEL, parseKernelVersion, kernelHas } from './kernel-version';
