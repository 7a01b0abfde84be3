/**
 * Explain a file's text: a DAMON config (YAML/JSON, every document), or a shell script whose
 * `damo start|tune` command lines are first imported into configs (core/damo). Pure.
 */
import { checkText } from '../check';
import { importDamoText } from '../damo/convert';
import { LineIndex } from '../parse/lines';
import { explainDocuments, type ExplainOptions } from './explain';
import type { ExplainedFile } from './render';

export const SHELL_FILE = /\.(?:sh|bash)$/i;

export interface ExplainTextOptions extends ExplainOptions {
  fileName: string;
  kernel?: string;
}

/** One ExplainedFile per config, or per damo command of a script; empty when there is nothing to explain. */
export function explainText(text: string, opts: ExplainTextOptions): ExplainedFile[] {
  if (SHELL_FILE.test(opts.fileName) || /^#!.*\b(?:ba|da)?sh\b/.test(text.slice(0, 80))) {
    const imp = importDamoText(text, { profile: opts.profile, kernel: opts.kernel, sourceName: opts.fileName });
    const lines = new LineIndex(text);
    const out: ExplainedFile[] = [];
    for (const c of imp.commands) {
      if (!c.yaml) continue;
      const r = checkText(c.yaml, { format: 'yaml', profile: opts.profile, kernel: opts.kernel });
      const explanations = explainDocuments(r.documents, opts);
      if (explanations.length)
        out.push({ file: `${opts.fileName}:${lines.positionAt(c.command.range.start).line + 1} (damo ${c.command.subcommand})`, explanations });
    }
    return out;
  }
  const r = checkText(text, { fileName: opts.fileName, profile: opts.profile, kernel: opts.kernel });
  const explanations = explainDocuments(r.documents, opts);
  return explanations.length ? [{ file: opts.fileName, explanations }] : [];
}
