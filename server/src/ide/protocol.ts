/**
 * The damon-config language server's custom protocol and settings, shared by the server and the VS Code
 * client. Plain data only: no import from `vscode` or the LSP libraries, so both bundles can use it.
 */

/** A config path into the damo tree, e.g. ['kdamonds', 0, 'contexts', 0, 'schemes', 1, 'quotas', 'goals', 0]. */
export type ConfigPath = (string | number)[];

/** One measured or simulated value of a quota goal's metric (same unit as the goal's target_value). */
export interface GoalValue {
  /** path of the quota goal (the goal object, not its target_value) */
  path: ConfigPath;
  /** the metric's value in the goal's unit (bp for *_bp metrics, µs for some_mem_psi_us, raw otherwise) */
  value: number;
  /** milliseconds since the epoch when the value was observed or simulated */
  time?: number;
}

/** Params of `damon/simulatedValues` and `damon/liveValues`. */
export interface GoalValuesParams {
  uri: string;
  /** where the values come from: 'simulator', or the host name for live values */
  source?: string;
  /** replace every value of this kind for the document before adding `values` */
  replace?: boolean;
  values: GoalValue[];
}

export const Notifications = {
  /** client → server: last simulated value of each quota goal metric (filled by the simulator) */
  simulatedValues: 'damon/simulatedValues',
  /** client → server: last live value of each quota goal metric read from a host (filled by deploy/status) */
  liveValues: 'damon/liveValues',
  /** server → client: which profile and kernel a document is checked against (status bar) */
  status: 'damon/status',
} as const;

export type SettingsSource = 'defaults' | 'initializationOptions' | 'workspace/configuration' | 'workspace/didChangeConfiguration';

export interface StatusParams {
  uri: string;
  /** the document is a DAMON config (and is served) */
  damon: boolean;
  kernel: string;
  profileName?: string;
  profilePath?: string;
  /** a problem loading the profile, if any */
  profileError?: string;
  /**
   * where the damon settings in effect came from: 'workspace/configuration' (pulled, the client
   * declared the capability), 'workspace/didChangeConfiguration' (pushed), 'initializationOptions'
   * (sent with initialize; Neovim 0.7), or 'defaults' (none received)
   */
  settingsSource?: SettingsSource;
  errors: number;
  warnings: number;
}

/** Client commands the server's code lenses point at. Arguments: one CommandTarget. */
export const ClientCommands = {
  simulate: 'damon.simulate',
  deploy: 'damon.deploy',
  /** check, confirm and deploy to the hosts of an Ansible inventory (`deploy --inventory --json`) */
  deployInventory: 'damon.deployInventory',
  stop: 'damon.stop',
  importDamo: 'damon.importDamo',
  showOutput: 'damon.showOutput',
  /** opens the markdown explanation of the whole file (ServerCommands.explain) beside it */
  explain: 'damon.explain',
} as const;

export interface CommandTarget {
  uri: string;
  /** the kdamond (and scheme) the lens sits on; absent for the whole file */
  kdamond?: number;
  scheme?: { context: number; index: number };
}

/** Server-side commands (workspace/executeCommand). */
export const ServerCommands = {
  /** returns the document's checked config as JSON text (kernel units), for the simulator/deploy */
  checkedConfig: 'damon.server.checkedConfig',
  /**
   * "Convert to config file" for the damo command of a shell script: arguments `[{ uri, offset }]`
   * (offset: UTF-16 offset inside the command). Creates `<script>.damon.yaml` next to the script
   * through workspace/applyEdit (or on disk when the client cannot create files) and shows it.
   * Returns `{ uri }` of the new file, or null.
   */
  convertToConfig: 'damon.server.convertToConfig',
  /** shows a document in the client (window/showDocument): arguments `[{ uri }]` */
  showDocument: 'damon.server.showDocument',
  /** what the config does, in words: arguments `[{ uri }]`; returns `{ title, markdown }` or null */
  explain: 'damon.server.explain',
} as const;

/** Result of ServerCommands.explain. */
export interface ExplainResult {
  title: string;
  markdown: string;
}

/** Arguments of ServerCommands.convertToConfig. */
export interface ConvertTarget {
  uri: string;
  offset: number;
}

export type InlayHintKind = 'nodeShare' | 'units' | 'goalValues';

export interface DamonSettings {
  /** target kernel release "X.Y"; empty: the profile's kernel, else the newest the core knows */
  kernel: string;
  /** machine profile file (YAML/JSON); relative paths are resolved against the workspace folder */
  profile: string;
  validation: {
    /** debounce of diagnostics while typing, milliseconds */
    delay: number;
  };
  inlayHints: Record<InlayHintKind, boolean>;
  codeLens: { enable: boolean };
}

export const DEFAULT_SETTINGS: DamonSettings = {
  kernel: '',
  profile: '',
  validation: { delay: 100 },
  inlayHints: { nodeShare: true, units: true, goalValues: true },
  codeLens: { enable: true },
};

/** Merge a possibly partial settings object (from any client) over the defaults. Never throws. */
export function normalizeSettings(raw: unknown): DamonSettings {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
  const bool = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : d);
  const str = (v: unknown, d: string): string => (typeof v === 'string' ? v.trim() : d);
  const val = obj(r.validation);
  const ih = obj(r.inlayHints);
  const cl = obj(r.codeLens);
  const delay = typeof val.delay === 'number' && Number.isFinite(val.delay) ? Math.max(0, Math.min(5000, val.delay)) : DEFAULT_SETTINGS.validation.delay;
  return {
    kernel: str(r.kernel, DEFAULT_SETTINGS.kernel),
    profile: str(r.profile, DEFAULT_SETTINGS.profile),
    validation: { delay },
    inlayHints: {
      nodeShare: bool(ih.nodeShare, true),
      units: bool(ih.units, true),
      goalValues: bool(ih.goalValues, true),
    },
    codeLens: { enable: bool(cl.enable, true) },
  };
}

/** Does this text look like a damo kdamonds config (a root `kdamonds` key)? Cheap, text only. */
export function looksLikeDamonConfig(text: string): boolean {
  const head = text.length > 200_000 ? text.slice(0, 200_000) : text;
  // YAML: a `kdamonds:` key at column 0 (block style), or a flow/JSON root object with "kdamonds"
  if (/^(?:kdamonds|"kdamonds"|'kdamonds')\s*:/m.test(head)) return true;
  return /^\s*\{\s*"?kdamonds"?\s*:/.test(head);
}

/** File names that are DAMON configs whatever their content. */
export function isDamonFileName(uriOrPath: string): boolean {
  return /\.damon\.(?:ya?ml|json)$/i.test(uriOrPath);
}

/**
 * The largest document the language server analyzes (UTF-16 code units, about bytes for configs). A
 * DAMON config with a thousand kdamonds is about 4 MiB and takes seconds to check on a busy 2-core
 * machine; larger documents get one `file-too-large` diagnostic and no features, so a huge file
 * cannot stall the editor. The CLI reads files up to 50 MiB (core/check.ts MAX_TEXT_LENGTH).
 */
export const MAX_EDITOR_TEXT_LENGTH = 2 * 1024 * 1024;
