// SPDX-License-Identifier: GPL-2.0-or-later
//
// The public face of kern/ for the devices.

export { Kernel } from './kernel.js';
export { KernelError } from './errors.js';
export type { KState } from './state.js';
export type { ProcView } from './proc.js';
export type { ProcInfo, MachineInfo, TimeInfo, AlarmRow } from './views.js';
export type { Command, Op } from './commands.js';
export { Clock } from './clock.js';
export { ClockDriver, type DriverIO, type DriverStatus } from './driver.js';
export { KernelLog, formatLog, type LogRecord } from './log.js';
export { Mailbox, type EventMsg } from './mailbox.js';
export { formatEvent } from './events.js';
export { checkInvariants } from './invariants.js';
export { Tracer, TRACE_FIELDS, TRACE_MAX, type TraceRecord, type TraceKind, type TraceValue } from './trace.js';
export * from './types.js';
