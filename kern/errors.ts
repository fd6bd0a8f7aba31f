// SPDX-License-Identifier: GPL-2.0-or-later
//
// The error a refused command leaves the kernel with. Kernel.apply throws it after it
// has recorded the refusal (the process's lasterr, an `error` log record), so a device
// that sees one knows there is nothing left to record.

import { P9Error } from '../lib/9p/error.js';

export class KernelError extends P9Error {
  constructor(e: P9Error) {
    super(e.errno, e.detail, e.text);
    this.name = 'KernelError';
  }
}
