// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A malformed ndb file is reported with the file, the line and the offending text, so an
// administrator can go straight to it. The errno says what kind of failure it is (EINVAL
// for syntax, EFBIG/E2BIG for the documented bounds, ENOENT for a missing first file).

import { P9Error } from '../9p/error.js';

export class NdbError extends P9Error {
  readonly file: string;
  /** 1-based line number; 0 when the problem is the file as a whole. */
  readonly line: number;
  /** The offending text (the line, or the part of it that is wrong). */
  readonly source: string;
  readonly reason: string;

  constructor(errno: number, file: string, line: number, reason: string, source = '') {
    const shown = source.length > 80 ? `${source.slice(0, 77)}...` : source;
    super(errno, `${file}${line > 0 ? `:${line}` : ''}: ${reason}${source !== '' ? `: ${JSON.stringify(shown)}` : ''}`);
    this.name = 'NdbError';
    this.file = file;
    this.line = line;
    this.source = source;
    this.reason = reason;
  }
}
