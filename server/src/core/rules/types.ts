import type { ConfigPath, CoreDiagnostic, Fix, OffsetRange, RelatedInfo, Severity } from '../diagnostic';
import type { KConfig } from '../model/kernel';
import type { LoweredDocument } from '../model/lower';
import type { KernelVersion } from '../kernel-version';
import type { SNode, SourceFormat } from '../parse/tree';
import type { MachineProfile } from '../profile';
import type { CrossItemCheck } from './tiering-lib';

export interface RuleReport {
  message: string;
  /** where: the value at this path, else its key, else the nearest ancestor that exists */
  path: ConfigPath;
  /** report on the key instead of the value */
  onKey?: boolean;
  /** explicit range (overrides path resolution) */
  range?: OffsetRange;
  severity?: Severity;
  related?: RelatedInfo[];
  fixes?: Fix[];
}

export interface RuleContext {
  readonly text: string;
  readonly format: SourceFormat;
  readonly root: SNode;
  readonly kconfig: KConfig;
  readonly lowered: LoweredDocument;
  readonly profile?: MachineProfile;
  readonly kernel: KernelVersion;
  readonly kernelText: string;
  /** the node at exactly this path, if present */
  node(path: ConfigPath): SNode | null | undefined;
  /** range of the value at path; falls back to the key, then the closest existing ancestor */
  rangeOf(path: ConfigPath, onKey?: boolean): OffsetRange;
  report(r: RuleReport): void;
}

export interface ExpectedReport {
  at: string;
  nth?: number;
  message: string;
}

export interface RuleExamples {
  /** YAML configs in which the rule reports nothing */
  pass: string[];
  /** YAML configs in which the rule reports at least once */
  fail: string[];
  /**
   * What each failing example reports, by index of `fail`: every finding of this rule, each as the
   * exact source text its range covers (`at`, the `nth` occurrence of that text, default 0) and the
   * key part of its message. test/core/rules.test.ts holds the rule to exactly these.
   */
  reports: ExpectedReport[][];
  /** optional machine profile (YAML) the examples are checked with */
  profile?: string;
  /** optional target kernel */
  kernel?: string;
}

export interface Rule {
  /** stable id, used as the diagnostic code */
  id: string;
  severity: Severity;
  /** one line */
  title: string;
  /** markdown: what the rule checks, why it matters on a real kernel, how to fix it */
  explanation: string;
  check(ctx: RuleContext): void;
  /**
   * Set for the rules that compare kdamonds with each other: `check` is this, group by group
   * (`checkGroups`), and the incremental check reruns only the groups whose goals changed.
   */
  crossItem?: CrossItemCheck;
  examples: RuleExamples;
}

export type { CoreDiagnostic };
