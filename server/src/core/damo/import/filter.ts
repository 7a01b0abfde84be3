/** --damos_filter (v2 grammar, and the v1 grammar converted as damo does) into a scheme's filters. */
import type { ConfigPath, OffsetRange } from '../../diagnostic';
import type { ArgWord, OptionOccurrence } from '../options';
import { FILTER_TYPES_NO_ARG, type DcFilter } from '../model';
import type { Importer } from '../import';

/** damos_options_to_filters(): v2 on all words joined, else v1 on every occurrence. */
export function buildFilters(imp: Importer, occs: OptionOccurrence[], path: ConfigPath | null): DcFilter[] {
  if (occs.length === 0) return [];
  const words = occs.flatMap((o) => o.args);
  const v2 = parseFiltersV2(words);
  let result = v2;
  if (v2.error) {
    const converted: ArgWord[] = [];
    let v1err: { message: string; range: OffsetRange } | null = null;
    for (const o of occs) {
      const c = convertFilterV1(o.args);
      if ('error' in c) {
        v1err = { message: `converting format fail (${o.args.map((a) => a.text).join(' ')}, ${c.error})`, range: o.range };
        break;
      }
      converted.push(...c.words);
    }
    const v1 = v1err ? null : parseFiltersV2(converted);
    if (v1 && !v1.error) {
      result = v1;
      imp.diag(
        'damo-filter-v1',
        'information',
        '--damos_filter uses the old (v1) format "<type> <matching|nomatching> [args] [allow|reject]"; the v2 format is "<allow|reject> [none] <type> [args]"',
        { start: occs[0].range.start, end: occs[occs.length - 1].range.end },
      );
    } else {
      const e = v2.error!;
      imp.diag(
        'damo-invalid-value',
        'error',
        `--damos_filter: ${e.message}${v1err || v1?.error ? ' (damo reports it after also failing the old v1 format, so its message may be confusing)' : ''}`,
        e.range,
      );
      if (path) imp.diagnosedPaths.push(path);
      result = v2;
    }
  }
  const out: DcFilter[] = [];
  result.filters.forEach((f, i) => {
    const p = path ? [...path, i] : null;
    imp.markPath(p, f.range);
    const filter: DcFilter = { filter_type: f.type, matching: f.matching, allow: f.allow };
    if (f.type === 'memcg') {
      filter.memcg_path = f.args[0].text;
      imp.markPath(p && [...p, 'memcg_path'], f.args[0].range);
      if (f.args[0].dynamic) {
        imp.diag(
          'damo-dynamic-value',
          'information',
          `memcg path "${f.args[0].text}" is only known when the script runs (${f.args[0].dynamic}); not checked`,
          f.args[0].range,
        );
        imp.noteDynamic(p && [...p, 'memcg_path']);
      }
    } else if (f.type === 'addr') {
      imp.markPath(p && [...p, 'address_range'], { start: f.args[0].range.start, end: f.args[1].range.end });
      filter.address_range = {
        start: imp.value('bytes', f.args[0], p && [...p, 'address_range', 'start'], 0, 'addr filter start'),
        end: imp.value('bytes', f.args[1], p && [...p, 'address_range', 'end'], 0, 'addr filter end'),
      };
    } else if (f.type === 'target') {
      filter.damon_target_idx = imp.value('nr', f.args[0], p && [...p, 'damon_target_idx'], 0, 'target filter index');
    } else if (f.type === 'hugepage_size') {
      filter.hugepage_size = [
        imp.value('bytes', f.args[0], p && [...p, 'hugepage_size', 0], 0, 'hugepage_size min'),
        imp.value('bytes', f.args[1], p && [...p, 'hugepage_size', 1], 0, 'hugepage_size max'),
      ];
    }
    out.push(filter);
  });
  // a filter's span also covers its option occurrence when it is alone in it
  for (const o of occs) {
    const inside = result.filters.map((f, i) => ({ f, i })).filter(({ f }) => f.range.start >= o.range.start && f.range.end <= o.range.end);
    if (inside.length === 1 && path) {
      imp.markPath([...path, inside[0].i], o.range);
      imp.created.set(o, [...path, inside[0].i]);
    } else if (inside.length && path) imp.created.set(o, [...path, inside[0].i]);
  }
  return out;
}

interface ParsedFilter {
  type: string;
  matching: boolean;
  allow: boolean;
  args: ArgWord[];
  range: OffsetRange;
}

const FILTER_ARG_COUNT: Record<string, [number, string]> = {
  memcg: [1, 'no memcg path is given'],
  addr: [2, 'no address range is given'],
  target: [1, 'no target argument'],
  hugepage_size: [2, 'no range for hugepage sizes is given'],
};

/** damos_options_to_filters_v2(): `<allow|reject|deny|block> [none] <type> [args]`, repeated. */
export function parseFiltersV2(words: ArgWord[]): { filters: ParsedFilter[]; error?: { message: string; range: OffsetRange } } {
  const filters: ParsedFilter[] = [];
  let i = 0;
  while (i < words.length) {
    const rest = words.slice(i);
    const all = (): OffsetRange => ({ start: rest[0].range.start, end: rest[rest.length - 1].range.end });
    if (rest.length < 2)
      return {
        filters,
        error: { message: `wrong number of words: ${rest.map((w) => w.text).join(' ')} (a filter is <allow|reject> [none] <type> [args])`, range: all() },
      };
    if (!['allow', 'reject', 'deny', 'block'].includes(rest[0].text)) {
      return {
        filters,
        error: { message: `unsupported allow-reject identifier: ${rest[0].text} (a filter starts with allow or reject)`, range: rest[0].range },
      };
    }
    const allow = rest[0].text === 'allow';
    let k = 1;
    let matching = true;
    if (rest[k].text === 'none') {
      matching = false;
      k++;
    }
    const typeWord = rest[k];
    if (!typeWord) return { filters, error: { message: `handling ${rest.map((w) => w.text).join(' ')} fail (no filter type)`, range: all() } };
    k++;
    const type = typeWord.text;
    if (FILTER_TYPES_NO_ARG.includes(type)) {
      filters.push({ type, matching, allow, args: [], range: { start: rest[0].range.start, end: typeWord.range.end } });
      i += k;
      continue;
    }
    const spec = FILTER_ARG_COUNT[type];
    if (!spec) {
      return {
        filters,
        error: {
          message: `unsupported filter type "${type}" (one of anon, active, young, unmapped, memcg <path>, addr <start> <end>, target <idx>, hugepage_size <min> <max>)`,
          range: typeWord.range,
        },
      };
    }
    const args = rest.slice(k, k + spec[0]);
    if (args.length < spec[0]) return { filters, error: { message: `handling ${rest.map((w) => w.text).join(' ')} fail (${spec[1]})`, range: all() } };
    filters.push({ type, matching, allow, args, range: { start: rest[0].range.start, end: args[args.length - 1].range.end } });
    i += k + spec[0];
  }
  return { filters };
}

/** convert_damos_filter_v1_to_v2(): `<type> <matching|nomatching> [args] [allow|pass|reject|deny|block]`. */
function convertFilterV1(args: ArgWord[]): { words: ArgWord[] } | { error: string } {
  if (args.length < 2) return { error: '<2 filter argument' };
  const type = args[0];
  const matching = args[1].text === 'matching';
  let opt = args.slice(2);
  let ar = 'reject';
  if (opt.length > 0 && ['allow', 'pass', 'reject', 'deny', 'block'].includes(opt[opt.length - 1].text)) {
    ar = ['allow', 'pass'].includes(opt[opt.length - 1].text) ? 'allow' : 'reject';
    opt = opt.slice(0, -1);
  }
  const words: ArgWord[] = [{ text: ar, range: args[0].range }];
  if (!matching) words.push({ text: 'none', range: args[1].range });
  words.push(type, ...opt);
  return { words };
}
