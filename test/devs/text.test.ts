// SPDX-License-Identifier: GPL-2.0-or-later
import t from 'tap';
import { cpulistFmt, cpulistParse, durationFmt, keyed, nameCompare, parseDuration, parseKeyed, parseUint, readstr } from '../../devs/dev.js';

const errno = (fn: () => unknown) => { try { fn(); } catch (e) { return (e as { ename: string }).ename; } return 'ok'; };

t.test('readstr', async (t) => {
  t.equal(readstr(0n, 100, 'hello\n').toString(), 'hello\n');
  t.equal(readstr(2n, 2, 'hello\n').toString(), 'll');
  t.equal(readstr(6n, 10, 'hello\n').length, 0);
  t.equal(readstr(99n, 10, 'hello').length, 0);
  t.equal(readstr(0n, 3, 'µs!').toString('hex'), Buffer.from('µs').toString('hex'), 'counts bytes');
});

t.test('keyed', async (t) => {
  const s = keyed([['pid', 7], ['name', 'spin'], ['wanted', 4n], ['ok', true], ['lasterr', '']]);
  t.equal(s, 'pid 7\nname spin\nwanted 4\nok 1\nlasterr\n');
  t.same([...parseKeyed(s)], [['pid', '7'], ['name', 'spin'], ['wanted', '4'], ['ok', '1'], ['lasterr', '']]);
});

t.test('cpulist', async (t) => {
  t.equal(cpulistFmt([9, 1, 3, 4, 5, 4]), '1,3-5,9');
  t.equal(cpulistFmt([]), '');
  t.equal(cpulistFmt([3, 4]), '3-4');
  t.equal(cpulistFmt([0]), '0');
  t.same(cpulistParse('1,3-5,9'), [1, 3, 4, 5, 9]);
  t.same(cpulistParse(''), []);
  t.same(cpulistParse(' \n'), []);
  t.same(cpulistParse('5,1-2,2'), [1, 2, 5]);
  t.equal(errno(() => cpulistParse('5-3')), 'EINVAL');
  t.equal(errno(() => cpulistParse('a')), 'EINVAL');
  t.equal(errno(() => cpulistParse('1,,2')), 'EINVAL');
  t.equal(errno(() => cpulistParse('-1')), 'EINVAL');
  t.equal(errno(() => cpulistParse('0-64', 63)), 'ERANGE');
  for (const l of [[0], [1, 2, 3], [0, 2, 4, 5, 6, 10]]) t.same(cpulistParse(cpulistFmt(l)), l);
});

t.test('durations', async (t) => {
  t.equal(parseDuration('250'), 250n);
  t.equal(parseDuration('250ns'), 250n);
  t.equal(parseDuration('10us'), 10_000n);
  t.equal(parseDuration('10µs'), 10_000n);
  t.equal(parseDuration('2ms'), 2_000_000n);
  t.equal(parseDuration('3s'), 3_000_000_000n);
  t.equal(parseDuration('1.5us'), 1500n);
  t.equal(parseDuration('0.25s'), 250_000_000n);
  t.equal(parseDuration(' 2ms\n'), 2_000_000n);
  for (const bad of ['', 'ms', '-1', '2m', '1.5ns', '2 ms x', 'abc', '1e3']) t.equal(errno(() => parseDuration(bad)), 'EINVAL', bad);
  t.equal(durationFmt(2_000_000n), '2ms');
  t.equal(durationFmt(1500n), '1500ns');
  t.equal(durationFmt(0n), '0');
});

t.test('numbers and order', async (t) => {
  t.equal(parseUint('15', 15), 15);
  t.equal(errno(() => parseUint('16', 15)), 'ERANGE');
  t.equal(errno(() => parseUint('x')), 'EINVAL');
  t.equal(errno(() => parseUint('-1')), 'EINVAL');
  t.same(['b', '10', 'a', '9', '100'].sort(nameCompare), ['9', '10', '100', 'a', 'b']);
});
