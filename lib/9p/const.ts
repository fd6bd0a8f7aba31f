// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Protocol constants (reference/9p.md §1). 9P2000 names follow intro(5)/open(5)/stat(5);
// the .L ones follow Linux include/net/9p/9p.h, whose values equal the x86 Linux ones.

export const NOTAG = 0xffff;
export const NOFID = 0xffffffff;
/** n_uname "unset" in .u/.L Tauth/Tattach. */
export const NONUNAME = 0xffffffff;
export const MAXWELEM = 16;
/** Header allowance for Tread/Rread/Twrite: msize - IOHDRSZ is the largest payload. */
export const IOHDRSZ = 24;
export const READDIRHDRSZ = 24;
export const ERRMAX = 128;
/** Size of size[4] type[1] tag[2]. */
export const HDRSZ = 7;
export const QIDSZ = 13;
export const DEFAULT_PORT = 564;

// qid.type: the top byte of the mode.
export const QTDIR = 0x80, QTAPPEND = 0x40, QTEXCL = 0x20, QTMOUNT = 0x10, QTAUTH = 0x08,
  QTTMP = 0x04, QTSYMLINK = 0x02, QTLINK = 0x01, QTFILE = 0x00;

// stat mode / create perm bits (>>> 0 keeps DMDIR positive).
export const DMDIR = 0x80000000, DMAPPEND = 0x40000000, DMEXCL = 0x20000000,
  DMMOUNT = 0x10000000, DMAUTH = 0x08000000, DMTMP = 0x04000000;
// 9P2000.u additions.
export const DMSYMLINK = 0x02000000, DMLINK = 0x01000000, DMDEVICE = 0x00800000,
  DMNAMEDPIPE = 0x00200000, DMSOCKET = 0x00100000, DMSETUID = 0x00080000,
  DMSETGID = 0x00040000, DMSETVTX = 0x00010000;

// Topen mode[1].
export const OREAD = 0, OWRITE = 1, ORDWR = 2, OEXEC = 3, OTRUNC = 0x10, OCEXEC = 0x20,
  ORCLOSE = 0x40;
/** The access bits of an open mode (OREAD, OWRITE, ORDWR or OEXEC). */
export const OMASK = 3;
/** Plan 9's exclusive-use open bit (devs honour it; not part of the 9P wire mode). */
export const OEXCL = 0x1000;

// Twstat "don't touch" values (stat(5)): every bit set in a field of that width; a
// string field is left alone when empty.
export const DONTTOUCH8 = 0xff, DONTTOUCH16 = 0xffff, DONTTOUCH32 = 0xffffffff,
  DONTTOUCH64 = 0xffffffffffffffffn;

// Tgetattr request_mask / Rgetattr valid (u64).
export const P9_GETATTR_MODE = 0x1n, P9_GETATTR_NLINK = 0x2n, P9_GETATTR_UID = 0x4n,
  P9_GETATTR_GID = 0x8n, P9_GETATTR_RDEV = 0x10n, P9_GETATTR_ATIME = 0x20n,
  P9_GETATTR_MTIME = 0x40n, P9_GETATTR_CTIME = 0x80n, P9_GETATTR_INO = 0x100n,
  P9_GETATTR_SIZE = 0x200n, P9_GETATTR_BLOCKS = 0x400n, P9_GETATTR_BTIME = 0x800n,
  P9_GETATTR_GEN = 0x1000n, P9_GETATTR_DATA_VERSION = 0x2000n,
  P9_GETATTR_BASIC = 0x7ffn, P9_GETATTR_ALL = 0x3fffn;

// Tsetattr valid (u32).
export const P9_SETATTR_MODE = 0x1, P9_SETATTR_UID = 0x2, P9_SETATTR_GID = 0x4,
  P9_SETATTR_SIZE = 0x8, P9_SETATTR_ATIME = 0x10, P9_SETATTR_MTIME = 0x20,
  P9_SETATTR_CTIME = 0x40, P9_SETATTR_ATIME_SET = 0x80, P9_SETATTR_MTIME_SET = 0x100;

// Tlopen / Tlcreate flags (octal, as Linux x86).
export const P9_DOTL_RDONLY = 0o0, P9_DOTL_WRONLY = 0o1, P9_DOTL_RDWR = 0o2,
  P9_DOTL_NOACCESS = 0o3, P9_DOTL_CREATE = 0o100, P9_DOTL_EXCL = 0o200,
  P9_DOTL_NOCTTY = 0o400, P9_DOTL_TRUNC = 0o1000, P9_DOTL_APPEND = 0o2000,
  P9_DOTL_NONBLOCK = 0o4000, P9_DOTL_DSYNC = 0o10000, P9_DOTL_FASYNC = 0o20000,
  P9_DOTL_DIRECT = 0o40000, P9_DOTL_LARGEFILE = 0o100000, P9_DOTL_DIRECTORY = 0o200000,
  P9_DOTL_NOFOLLOW = 0o400000, P9_DOTL_NOATIME = 0o1000000, P9_DOTL_CLOEXEC = 0o2000000,
  P9_DOTL_SYNC = 0o4000000;
/** The access bits of Tlopen/Tlcreate flags (Linux O_ACCMODE). */
export const P9_DOTL_ACCMODE = 0o3;

// Treaddir entry type (getdents d_type).
export const DT_UNKNOWN = 0, DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6, DT_REG = 8,
  DT_LNK = 10, DT_SOCK = 12, DT_WHT = 14;

// Linux st_mode bits (Rgetattr mode, Tlcreate/Tmkdir/Tmknod mode).
export const S_IFMT = 0o170000, S_IFSOCK = 0o140000, S_IFLNK = 0o120000,
  S_IFREG = 0o100000, S_IFBLK = 0o060000, S_IFDIR = 0o040000, S_IFCHR = 0o020000,
  S_IFIFO = 0o010000, S_ISUID = 0o4000, S_ISGID = 0o2000, S_ISVTX = 0o1000;

/** Tunlinkat flags. */
export const AT_REMOVEDIR = 0x200;

// Tlock / Tgetlock.
export const P9_LOCK_TYPE_RDLCK = 0, P9_LOCK_TYPE_WRLCK = 1, P9_LOCK_TYPE_UNLCK = 2;
export const P9_LOCK_FLAGS_BLOCK = 1, P9_LOCK_FLAGS_RECLAIM = 2;
export const P9_LOCK_SUCCESS = 0, P9_LOCK_BLOCKED = 1, P9_LOCK_ERROR = 2, P9_LOCK_GRACE = 3;

/** V9FS_MAGIC, the Rstatfs type Linux expects. */
export const V9FS_MAGIC = 0x01021997;
