/** Generates a realistic per-cgroup tiering config of about `lines` lines (block YAML with comments). */
export function generateConfig(lines: number): string {
  const out: string[] = ['# generated benchmark config', 'kdamonds:'];
  let k = 0;
  while (out.length < lines) {
    out.push(
      `  # kdamond ${k}`,
      '  - contexts:',
      '      - ops: paddr',
      '        targets:',
      '          - pid: null',
      '            regions:',
      `              - {start: ${4 + k} GiB, end: ${5 + k} GiB}`,
    );
    out.push('        intervals: {sample_us: 5 ms, aggr_us: 100 ms, ops_update_us: 1 s}', '        nr_regions: {min: 10, max: 1000}', '        schemes:');
    for (let s = 0; s < 8 && out.length < lines; s++) {
      const cg = `/workload_${k}_${s}`;
      const hot = s % 2 === 0;
      out.push(
        `          - action: ${hot ? 'migrate_hot' : 'migrate_cold'}   # scheme ${s}`,
        `            target_nid: ${hot ? 0 : 1}`,
        '            access_pattern:',
        '              sz_bytes: {min: min, max: max}',
        `              nr_accesses: {min: ${hot ? '5%' : '0%'}, max: ${hot ? 'max' : '0%'}}`,
        '              age: {min: 0, max: max}',
        '            apply_interval_us: 1 s',
        '            quotas:',
        '              time_ms: 0',
        '              sz_bytes: 200 MiB',
        '              reset_interval_ms: 1 s',
        '              weights: {sz_permil: 0, nr_accesses_permil: 1000, age_permil: 0}',
        '              goals:',
        `                - {metric: ${hot ? 'node_memcg_used_bp' : 'node_memcg_free_bp'}, nid: 0, memcg_path: ${cg}, target_value: ${hot ? '2.97%' : '97.05%'}, current_value: 0}`,
        '            filters:',
        `              - {filter_type: memcg, matching: false, allow: false, memcg_path: ${cg}}`,
        `              - {filter_type: young, matching: ${hot ? 'false' : 'true'}, allow: false}`,
      );
    }
    k++;
  }
  return `${out.join('\n')}\n`;
}
