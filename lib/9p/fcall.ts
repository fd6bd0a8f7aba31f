// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The 9P messages as typed values: the contract between the codec (bytes <-> Fcall),
// the server (srv/) and the client. Field names follow the man pages (intro(5), diod's
// protocol.md); 64-bit fields are bigint so nothing above 2^53 is lost.

export type Dialect = '9P2000' | '9P2000.u' | '9P2000.L';

export interface Qid {
  /** QT* bits: the top byte of the file's mode. */
  type: number;
  version: number;
  /** Unique per file across the whole server, never reused for a different file. */
  path: bigint;
}

/** stat(5); the .u fields are present only in 9P2000.u. */
export interface Stat {
  type: number;
  dev: number;
  qid: Qid;
  mode: number;
  atime: number;
  mtime: number;
  length: bigint;
  name: string;
  uid: string;
  gid: string;
  muid: string;
  extension?: string;
  nUid?: number;
  nGid?: number;
  nMuid?: number;
}

/** One Treaddir entry (9P2000.L). `offset` is the cookie that resumes after this entry. */
export interface Dirent {
  qid: Qid;
  offset: bigint;
  type: number;
  name: string;
}

/** Rgetattr body (9P2000.L). */
export interface Attr {
  valid: bigint;
  qid: Qid;
  mode: number;
  uid: number;
  gid: number;
  nlink: bigint;
  rdev: bigint;
  size: bigint;
  blksize: bigint;
  blocks: bigint;
  atimeSec: bigint;
  atimeNsec: bigint;
  mtimeSec: bigint;
  mtimeNsec: bigint;
  ctimeSec: bigint;
  ctimeNsec: bigint;
  btimeSec: bigint;
  btimeNsec: bigint;
  gen: bigint;
  dataVersion: bigint;
}

/** Tsetattr body (9P2000.L). */
export interface SetAttr {
  valid: number;
  mode: number;
  uid: number;
  gid: number;
  size: bigint;
  atimeSec: bigint;
  atimeNsec: bigint;
  mtimeSec: bigint;
  mtimeNsec: bigint;
}

export interface StatFs {
  type: number;
  bsize: number;
  blocks: bigint;
  bfree: bigint;
  bavail: bigint;
  files: bigint;
  ffree: bigint;
  fsid: bigint;
  namelen: number;
}

// Message type numbers (reference/9p.md §1).
export const Tlerror = 6, Rlerror = 7;
export const Tstatfs = 8, Rstatfs = 9;
export const Tlopen = 12, Rlopen = 13;
export const Tlcreate = 14, Rlcreate = 15;
export const Tsymlink = 16, Rsymlink = 17;
export const Tmknod = 18, Rmknod = 19;
export const Trename = 20, Rrename = 21;
export const Treadlink = 22, Rreadlink = 23;
export const Tgetattr = 24, Rgetattr = 25;
export const Tsetattr = 26, Rsetattr = 27;
export const Txattrwalk = 30, Rxattrwalk = 31;
export const Txattrcreate = 32, Rxattrcreate = 33;
export const Treaddir = 40, Rreaddir = 41;
export const Tfsync = 50, Rfsync = 51;
export const Tlock = 52, Rlock = 53;
export const Tgetlock = 54, Rgetlock = 55;
export const Tlink = 70, Rlink = 71;
export const Tmkdir = 72, Rmkdir = 73;
export const Trenameat = 74, Rrenameat = 75;
export const Tunlinkat = 76, Runlinkat = 77;
export const Tversion = 100, Rversion = 101;
export const Tauth = 102, Rauth = 103;
export const Tattach = 104, Rattach = 105;
export const Terror = 106, Rerror = 107;
export const Tflush = 108, Rflush = 109;
export const Twalk = 110, Rwalk = 111;
export const Topen = 112, Ropen = 113;
export const Tcreate = 114, Rcreate = 115;
export const Tread = 116, Rread = 117;
export const Twrite = 118, Rwrite = 119;
export const Tclunk = 120, Rclunk = 121;
export const Tremove = 122, Rremove = 123;
export const Tstat = 124, Rstat = 125;
export const Twstat = 126, Rwstat = 127;

interface H<T extends number> { type: T; tag: number }

// 9P2000 (and .u, whose extra fields are optional here and required on the wire in .u/.L)
export interface TversionMsg extends H<typeof Tversion> { msize: number; version: string }
export interface RversionMsg extends H<typeof Rversion> { msize: number; version: string }
export interface TauthMsg extends H<typeof Tauth> { afid: number; uname: string; aname: string; nUname?: number }
export interface RauthMsg extends H<typeof Rauth> { aqid: Qid }
export interface TattachMsg extends H<typeof Tattach> { fid: number; afid: number; uname: string; aname: string; nUname?: number }
export interface RattachMsg extends H<typeof Rattach> { qid: Qid }
export interface RerrorMsg extends H<typeof Rerror> { ename: string; errno?: number }
export interface TflushMsg extends H<typeof Tflush> { oldtag: number }
export interface RflushMsg extends H<typeof Rflush> {}
export interface TwalkMsg extends H<typeof Twalk> { fid: number; newfid: number; wnames: string[] }
export interface RwalkMsg extends H<typeof Rwalk> { qids: Qid[] }
export interface TopenMsg extends H<typeof Topen> { fid: number; mode: number }
export interface RopenMsg extends H<typeof Ropen> { qid: Qid; iounit: number }
export interface TcreateMsg extends H<typeof Tcreate> { fid: number; name: string; perm: number; mode: number; extension?: string }
export interface RcreateMsg extends H<typeof Rcreate> { qid: Qid; iounit: number }
export interface TreadMsg extends H<typeof Tread> { fid: number; offset: bigint; count: number }
export interface RreadMsg extends H<typeof Rread> { data: Buffer }
export interface TwriteMsg extends H<typeof Twrite> { fid: number; offset: bigint; data: Buffer }
export interface RwriteMsg extends H<typeof Rwrite> { count: number }
export interface TclunkMsg extends H<typeof Tclunk> { fid: number }
export interface RclunkMsg extends H<typeof Rclunk> {}
export interface TremoveMsg extends H<typeof Tremove> { fid: number }
export interface RremoveMsg extends H<typeof Rremove> {}
export interface TstatMsg extends H<typeof Tstat> { fid: number }
export interface RstatMsg extends H<typeof Rstat> { stat: Stat }
export interface TwstatMsg extends H<typeof Twstat> { fid: number; stat: Stat }
export interface RwstatMsg extends H<typeof Rwstat> {}

// 9P2000.L
export interface RlerrorMsg extends H<typeof Rlerror> { ecode: number }
export interface TstatfsMsg extends H<typeof Tstatfs> { fid: number }
export interface RstatfsMsg extends H<typeof Rstatfs> { statfs: StatFs }
export interface TlopenMsg extends H<typeof Tlopen> { fid: number; flags: number }
export interface RlopenMsg extends H<typeof Rlopen> { qid: Qid; iounit: number }
export interface TlcreateMsg extends H<typeof Tlcreate> { fid: number; name: string; flags: number; mode: number; gid: number }
export interface RlcreateMsg extends H<typeof Rlcreate> { qid: Qid; iounit: number }
export interface TsymlinkMsg extends H<typeof Tsymlink> { dfid: number; name: string; symtgt: string; gid: number }
export interface RsymlinkMsg extends H<typeof Rsymlink> { qid: Qid }
export interface TmknodMsg extends H<typeof Tmknod> { dfid: number; name: string; mode: number; major: number; minor: number; gid: number }
export interface RmknodMsg extends H<typeof Rmknod> { qid: Qid }
export interface TrenameMsg extends H<typeof Trename> { fid: number; dfid: number; name: string }
export interface RrenameMsg extends H<typeof Rrename> {}
export interface TreadlinkMsg extends H<typeof Treadlink> { fid: number }
export interface RreadlinkMsg extends H<typeof Rreadlink> { target: string }
export interface TgetattrMsg extends H<typeof Tgetattr> { fid: number; requestMask: bigint }
export interface RgetattrMsg extends H<typeof Rgetattr> { attr: Attr }
export interface TsetattrMsg extends H<typeof Tsetattr> { fid: number; attr: SetAttr }
export interface RsetattrMsg extends H<typeof Rsetattr> {}
export interface TxattrwalkMsg extends H<typeof Txattrwalk> { fid: number; newfid: number; name: string }
export interface RxattrwalkMsg extends H<typeof Rxattrwalk> { size: bigint }
export interface TxattrcreateMsg extends H<typeof Txattrcreate> { fid: number; name: string; attrSize: bigint; flags: number }
export interface RxattrcreateMsg extends H<typeof Rxattrcreate> {}
export interface TreaddirMsg extends H<typeof Treaddir> { fid: number; offset: bigint; count: number }
/** `data` is the raw entry bytes (use the dirent encoder/decoder in the codec). */
export interface RreaddirMsg extends H<typeof Rreaddir> { data: Buffer }
/** Old diod and rust-9p send only fid[4]: datasync is then undefined. */
export interface TfsyncMsg extends H<typeof Tfsync> { fid: number; datasync?: number }
export interface RfsyncMsg extends H<typeof Rfsync> {}
export interface TlockMsg extends H<typeof Tlock> { fid: number; lockType: number; flags: number; start: bigint; length: bigint; procId: number; clientId: string }
export interface RlockMsg extends H<typeof Rlock> { status: number }
export interface TgetlockMsg extends H<typeof Tgetlock> { fid: number; lockType: number; start: bigint; length: bigint; procId: number; clientId: string }
export interface RgetlockMsg extends H<typeof Rgetlock> { lockType: number; start: bigint; length: bigint; procId: number; clientId: string }
export interface TlinkMsg extends H<typeof Tlink> { dfid: number; fid: number; name: string }
export interface RlinkMsg extends H<typeof Rlink> {}
export interface TmkdirMsg extends H<typeof Tmkdir> { dfid: number; name: string; mode: number; gid: number }
export interface RmkdirMsg extends H<typeof Rmkdir> { qid: Qid }
export interface TrenameatMsg extends H<typeof Trenameat> { olddirfid: number; oldname: string; newdirfid: number; newname: string }
export interface RrenameatMsg extends H<typeof Rrenameat> {}
export interface TunlinkatMsg extends H<typeof Tunlinkat> { dirfid: number; name: string; flags: number }
export interface RunlinkatMsg extends H<typeof Runlinkat> {}

export type TMessage =
  | TversionMsg | TauthMsg | TattachMsg | TflushMsg | TwalkMsg | TopenMsg | TcreateMsg
  | TreadMsg | TwriteMsg | TclunkMsg | TremoveMsg | TstatMsg | TwstatMsg
  | TstatfsMsg | TlopenMsg | TlcreateMsg | TsymlinkMsg | TmknodMsg | TrenameMsg | TreadlinkMsg
  | TgetattrMsg | TsetattrMsg | TxattrwalkMsg | TxattrcreateMsg | TreaddirMsg | TfsyncMsg
  | TlockMsg | TgetlockMsg | TlinkMsg | TmkdirMsg | TrenameatMsg | TunlinkatMsg;

export type RMessage =
  | RversionMsg | RauthMsg | RattachMsg | RerrorMsg | RflushMsg | RwalkMsg | RopenMsg | RcreateMsg
  | RreadMsg | RwriteMsg | RclunkMsg | RremoveMsg | RstatMsg | RwstatMsg
  | RlerrorMsg | RstatfsMsg | RlopenMsg | RlcreateMsg | RsymlinkMsg | RmknodMsg | RrenameMsg
  | RreadlinkMsg | RgetattrMsg | RsetattrMsg | RxattrwalkMsg | RxattrcreateMsg | RreaddirMsg
  | RfsyncMsg | RlockMsg | RgetlockMsg | RlinkMsg | RmkdirMsg | RrenameatMsg | RunlinkatMsg;

export type Fcall = TMessage | RMessage;

/** R-messages have odd type numbers: each is its T-message's number + 1. */
export function isRType(type: number): boolean {
  return (type & 1) === 1;
}

/** Each T-message's interface by its type number: `TMessageByType[typeof Tread]` is
 *  TreadMsg, so a table keyed by type can give each entry its exact message. */
export type TMessageByType = { [M in TMessage as M['type']]: M };

/** The successful reply to each T-message type. */
export interface ReplyMap {
  [Tversion]: RversionMsg; [Tauth]: RauthMsg; [Tattach]: RattachMsg; [Tflush]: RflushMsg;
  [Twalk]: RwalkMsg; [Topen]: RopenMsg; [Tcreate]: RcreateMsg; [Tread]: RreadMsg;
  [Twrite]: RwriteMsg; [Tclunk]: RclunkMsg; [Tremove]: RremoveMsg; [Tstat]: RstatMsg;
  [Twstat]: RwstatMsg;
  [Tstatfs]: RstatfsMsg; [Tlopen]: RlopenMsg; [Tlcreate]: RlcreateMsg; [Tsymlink]: RsymlinkMsg;
  [Tmknod]: RmknodMsg; [Trename]: RrenameMsg; [Treadlink]: RreadlinkMsg; [Tgetattr]: RgetattrMsg;
  [Tsetattr]: RsetattrMsg; [Txattrwalk]: RxattrwalkMsg; [Txattrcreate]: RxattrcreateMsg;
  [Treaddir]: RreaddirMsg; [Tfsync]: RfsyncMsg; [Tlock]: RlockMsg; [Tgetlock]: RgetlockMsg;
  [Tlink]: RlinkMsg; [Tmkdir]: RmkdirMsg; [Trenameat]: RrenameatMsg; [Tunlinkat]: RunlinkatMsg;
}

/** The reply a T-message of type T gets when it succeeds (any R-message for an unknown type). */
export type ReplyOf<T extends number> = T extends keyof ReplyMap ? ReplyMap[T] : RMessage;

type DistOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A T-message without its tag: the sender assigns one. */
export type TRequest = DistOmit<TMessage, 'tag'>;
/** An R-message without its tag: a server's handler returns one, the connection tags it. */
export type RBody = DistOmit<RMessage, 'tag'>;
