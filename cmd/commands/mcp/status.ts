// SPDX-License-Identifier: GPL-2.0-or-later
import { AkarosCommand } from '../../lib/base.js';
import { stateColor } from '../../lib/color.js';
import { table } from '../../lib/format.js';
import { describe, pidArg, type McpDescribe } from '../../lib/mcp.js';
import { fmtDuration } from '../../lib/units.js';

const STATES = ['created', 'runnable_s', 'running_s', 'waiting', 'dying', 'dying_abort', 'runnable_m', 'running_m'];

/** kubectl-describe style: the status, the accounting, the vcores. Times for people. */
export function formatDescribe(d: McpDescribe, color = false): string {
  const st = d.status, k = d.stat;
  const c = (code: string | undefined, s: string): string => (color && code ? `\x1b[${code}m${s}\x1b[0m` : s);
  const t = (key: string): string => fmtDuration(k[key] ?? 0);
  const inState = STATES.filter((s) => (k[`${s}_ns`] ?? 0) > 0).map((s) => `${s.toUpperCase()} ${t(`${s}_ns`)}`);
  const lines = [
    `pid ${st.pid}  name ${st.name || '-'}  user ${st.user}  state ${c(stateColor(st.state), st.state)}`,
    `cores     wanted ${st.wanted}  granted ${st.granted} (${st.granted_cores.text || '-'})` +
      `  provisioned ${st.provisioned} (${st.provisioned_cores.text || '-'})  max ${st.max_vcores}`,
    `preempt   ${c(st.preempt_pending ? '33;1' : undefined, `pending ${st.preempt_pending}`)}  warned ${k.warned ?? 0}` +
      `  yielded in time ${k.yielded_in_time ?? 0}  forced ${k.forced ?? 0}  revokes ${k.revokes ?? 0}`,
    `activity  run ${t('run_ns')}  grants ${k.grants ?? 0}  yields ${k.yields ?? 0} (${k.yield_fails ?? 0} refused)  events ${k.events ?? 0}`,
    `time      created at ${t('created_at')}${inState.length ? `  ${inState.join('  ')}` : ''}`,
    `lasterr   ${st.lasterr || '-'}`,
  ];
  if (d.vcores.length === 0) return `${lines.join('\n')}\n`;
  return `${lines.join('\n')}\n\n${table(['vcore', 'pcore', 'state', 'deadline', 'sent', 'done', 'run'],
    d.vcores.map((v) => [v.vcore, v.pcore ?? '-', v.state, v.preempt_deadline ? fmtDuration(v.preempt_deadline) : '-',
      v.sent, v.done, fmtDuration(v.run_ns)]))}`;
}

export default class McpStatusCmd extends AkarosCommand {
  static override summary = 'Everything about one MCP: status, cores, accounting, vcores (kubectl describe).';
  static override description = `Reads /mcp/ID/status, cores, prov, stat and vcores. Times are shown as 10ms, 1.5s (virtual); --json has them in ns, the cpulists as core ids plus their text.`;
  static override schema = 'mcp-describe.json';
  static override examples = [
    { description: 'cat /mcp/7/status /mcp/7/stat /mcp/7/vcores', command: '<%= config.bin %> <%= command.id %> 7' },
    { description: 'The cores MCP 7 runs on, as ids', command: '<%= config.bin %> <%= command.id %> 7 --json | jq -c .status.granted_cores.ids' },
  ];
  static override args = { id: pidArg };

  async run(): Promise<McpDescribe> {
    const { args, flags } = await this.parse(McpStatusCmd);
    const d = await describe(await this.connect(flags), args.id);
    this.out(formatDescribe(d, this.tty));
    return d;
  }
}
