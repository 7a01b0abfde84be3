/**
 * The one place the language server imports the DAMON core from (server/src/core/, no editor types).
 */
export {
  checkText,
  MAX_TEXT_LENGTH,
  isDamonConfigText,
  LineIndex,
  mapGet,
  nodeAtPath,
  pathAtOffset,
  toJS,
  formatBytes,
  formatUs,
  formatBp,
  formatPermil,
  formatValue,
  describeAdmission,
  loadProfile,
  RULES,
  RULES_BY_ID,
  CONFIG_SCHEMA,
  schemaAt,
  keysAt,
  ACTIONS,
  GOAL_METRICS,
  FILTER_TYPES,
  NEWEST_KNOWN_KERNEL,
  parseKernelVersion,
  checkIncremental,
  visiblePrefix,
  firstScreen,
} from '../core/index';
export type {
  CheckOptions,
  CheckResult,
  CheckedDocument,
  ConfigPath,
  CoreDiagnostic,
  Fix,
  OffsetRange,
  RelatedInfo,
  Severity,
  TextEdit,
  Position,
  SNode,
  SScalar,
  SMap,
  SSeq,
  SPair,
  KConfig,
  ParsedValue,
  MachineProfile,
  ProfileNode,
  Rule,
  IncrementalState,
} from '../core/index';
export { mapPair, type SourceFormat } from '../core/parse/tree';
export { parseByKind, parseBool, type ValueKind } from '../core/model/units';
export type { JSONSchema } from '../core/schema/spec';
export { nodeShare, nodeShareBytes, formatMetricValue } from '../core/model/format';
export {
  checkShellScript,
  damoCommandRanges,
  importDamoCommandAt,
  parseDamoArgs,
  findDamoCommands,
  DAMO_OPTIONS,
  type ImportedCommand,
  type OptionOccurrence,
  type OptionSpec,
} from '../core/damo/index';
export { explainDocument, hoverMarkdown, renderMarkdown, type Explanation } from '../core/explain/index';
export { written } from '../core/model/lower';
