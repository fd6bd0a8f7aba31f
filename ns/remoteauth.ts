// SPDX-License-Identifier: GPL-2.0-or-later
//
// Authenticated links: how a remote mount proves, to a server started with --auth munge,
// that its operations are those of the local session's user. MUNGE names users by uid:
// this server (running as root, which alone may mint a credential for another uid)
// encodes one for the user's uid and attaches as that user with it, diod's exchange
// (Tauth, the credential written to the afid, Tattach). A user without a uid on this host
// cannot be vouched for (EPERM); a server that does not authenticate is refused too, so
// an attach can never fall back to believing the name.

import { NONUNAME } from '../lib/9p/const.js';
import { perr } from '../lib/9p/error.js';
import { EPERM } from '../lib/9p/errno.js';
import type { LinkConfig } from './remotelink.js';

export interface MungeAttachOptions {
  /** A credential for `uid` (lib/munge's encode({uid, gid})). */
  encode(opts: { uid: number; gid?: number }): Promise<string>;
  /** The uid of a local user name; undefined when it has none. */
  uidOf(name: string): number | undefined;
}

/** RemoteOptions.attach for servers that want MUNGE credentials. */
export function mungeAttach(o: MungeAttachOptions): NonNullable<LinkConfig['attach']> {
  return async (client, user, spec) => {
    const uid = o.uidOf(user);
    if (uid === undefined) throw perr(EPERM, `${user} has no uid on this host: a MUNGE credential names a uid`);
    return client.attach({
      uname: user, aname: spec, nUname: NONUNAME, requireAuth: true,
      credential: () => o.encode({ uid }),
    });
  };
}
