/** damo command lines: import into configs, export back, check those inside shell scripts. */
export { tokenizeShell, shellQuote, type ShellWord, type ShellCommand, type ShellComment, type ShellParse } from './shell';
export { findDamoCommands, type DamoCommandLine } from './commands';
export { parseDamoArgs, DAMO_OPTIONS, type OptionSpec, type OptionOccurrence, type ParsedArgs } from './options';
export { importDamoCommandLine, PLACEHOLDER_PREFIX, type DamoImport, type ImportOptions, type ConfigComment } from './import';
export { canonicalize, type CanonProblem } from './canonical';
export { exportCommandLine, exportJson, type ExportProblem, type ExportOptions } from './export';
export { configToYaml, configToJson } from './emit';
export {
  importDamoText,
  checkShellScript,
  importDamoCommandAt,
  damoCommandRanges,
  validateImport,
  type DamoTextOptions,
  type DamoTextImport,
  type ImportedCommand,
  type ShellCheckOptions,
} from './convert';
export { SourceMap, type DamoConfig } from './model';
