// SPDX-License-Identifier: GPL-2.0-or-later
//
// The public face of kern/ for the devices.

export { Kernel, LIMIT_RANGE } from './kernel.js';
export { KernelError } from './errors.js';
export type { KState } from './state.js';
export type { ProcView } from './proc.js';
export type { ProcInfo, MachineInfo, TimeInfo, AlarmRow, EvqRow } from './views.js';
export type { Command, Op, LimitName } from './commands.js';
export { Clock } from './clock.js';
export { ClockDriver, TURN_EVENTS, type DriverIO, type DriverStatus } from './driver.js';
export { KernelLog, formatLog, clip, DETAIL_MAX, RECORD_MAX, LOG_MAX, LOG_MAX_BYTES, type LogRecord } from './log.js';
export { Mailbox, EVQ_MAX, EV_OVERFLOW, type EventMsg } from './mailbox.js';
export { NPROC_MAX, PID_RESERVE } from './process.js';
export { formatEvent } from './events.js';
export { checkInvariants } from './invariants.js';
export { type KImage, IMAGE_VERSION } from './image.js';
export type { StateConfig } from './state.js';
export { Tracer, TRACE_FIELDS, TRACE_MAX, type TraceRecord, type TraceKind, type TraceValue } from './trace.js';
export * from './types.js';
