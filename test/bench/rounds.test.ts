// SPDX-License-Identifier: GPL-2.0-or-later
//
// The bench verdicts: a median is trusted only when the rounds agree; when they do not,
// a target is judged only if every round falls on the same side of it.

import t from 'tap';
import { judge, ratio, showVerdict } from '../../bench/lib/rounds.js';

const atMost5 = (x: number): boolean => x <= 5;

t.test('rounds that agree are judged by their median', async (t) => {
  const r = ratio([4.0, 4.2, 4.4, 4.1, 4.3], [1, 1, 1, 1, 1], 25);
  t.ok(r.conclusive);
  t.equal(judge(r, atMost5), true);
  t.equal(judge(ratio([6, 6.2, 6.1], [1, 1, 1], 25), atMost5), false);
  t.equal(showVerdict(r, atMost5), 'target met');
});

t.test('rounds that spread are judged only when all lie on one side', async (t) => {
  const under = ratio([0.27, 0.44, 0.43, 0.30, 0.41], [1, 1, 1, 1, 1], 25);
  t.notOk(under.conclusive, 'a 40% spread withholds the median');
  t.equal(judge(under, (x) => x <= 1), true);
  t.equal(showVerdict(under, (x) => x <= 1), 'target met in every round');
  const over = ratio([9, 20, 12], [1, 1, 1], 25);
  t.equal(judge(over, atMost5), false);
  t.equal(showVerdict(over, atMost5), 'target missed in every round');
  // A median of 4.5 under the target, but one round at 20.7: not judged either way.
  const across = ratio([4.5, 3.7, 20.7, 4.0, 4.6], [1, 1, 1, 1, 1], 25);
  t.ok(across.median <= 5);
  t.equal(judge(across, atMost5), null);
  t.equal(showVerdict(across, atMost5), 'not judged');
});

t.test('too few rounds are never judged', async (t) => {
  t.equal(judge(ratio([1, 1], [1, 1], 25), atMost5), null);
  t.equal(judge(ratio([], [], 25), atMost5), null);
});
