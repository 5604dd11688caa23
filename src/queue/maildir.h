/*
 * maildir: atomic delivery into a Maildir (the tmp/ -> new/ protocol of
 * cr.yp.to/proto/maildir.html) and the mapping of an address to its
 * Maildir under the data directory.
 *
 * Invariants: a message appears in new/ whole and already on disk (file
 * fsync'd before the link, new/ fsync'd after, before it is reported),
 * or not at all (it is written unnamed, O_TMPFILE, where it can be, so
 * tmp/ is then not used); a failed
 * delivery leaves nothing in tmp/ or new/.  maildir_path() never yields a
 * path that leaves DATADIR/mail/ or names a hidden directory.
 *
 * Failure: -1 with errno set (ENOSPC and EDQUOT come through unchanged,
 * so the caller can defer rather than bounce) and a reason in err.
 */
#ifndef POSTERN_MAILDIR_H
#define POSTERN_MAILDIR_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define MAILDIR_LOCAL_MAX	64	/* RFC 5321 §4.5.3.1.1 */
#define MAILDIR_DOMAIN_MAX	255	/* RFC 5321 §4.5.3.1.2 */

/*
 * Deliver one message into the Maildir at path (".../Maildir"), creating
 * path, any missing parent, and tmp/ new/ cur/ (mode 0700) as needed.
 * The message is prefix (prefix_len bytes, may be NULL/0: "Return-Path:
 * <x>\r\nDelivered-To: y\r\n") followed by len bytes of fd from offset
 * off, read with pread(2) so the shared spool fd keeps its offset.  Line
 * ends are written as they are.  The file is written as tmp/UNIQUE
 * (O_EXCL, 0600), fsync'd, moved to new/UNIQUE, and new/ fsync'd; only
 * then is 0 returned.  UNIQUE is
 * "TIME.M<usec>P<pid>R<random hex>.HOST,S=<size>" with '/' and ':' in
 * HOST written as \057 and \072.  name (namesz) gets UNIQUE; name may be
 * NULL.  err (errsz) gets the reason on failure; it may be NULL.
 */
int	maildir_deliver(const char *path, const char *prefix,
	    size_t prefix_len, int fd, uint64_t off, uint64_t len, char *name,
	    size_t namesz, char *err, size_t errsz);

/*
 * The same, at most once per key across crashes and retries: the file is
 * named "KEY.HOST,S=<size>" (tmp/ and new/), so a delivery redone after
 * a crash between the Maildir's fsync and the caller's durable record of
 * it finds the first one.  KEY is "TIME.UNIQUE" chosen by the caller from
 * what does not change between tries (postern: the message's arrival
 * time, queue id and recipient index); it may not be empty, start with
 * '.', or hold '/' or ':'.  Returns 1, writing nothing, when that
 * delivery is already there:
 *   - always, if new/ holds the exact name (link(2) refuses it);
 *   - if recheck, also when new/ or cur/ holds any "KEY." name: a reader
 *     moved it to cur/ and added flags (":2,S"), or the host changed.
 *     This reads both directories, so the caller asks for it only when
 *     an earlier try may have happened (after a restart, on a retry).
 * A tmp/KEY... file left by a crashed try is replaced.  name gets the
 * file's path relative to the Maildir ("new/..." or "cur/...").  A NULL
 * key is maildir_deliver(): a random name, no search.
 * 0 delivered, 1 already delivered, -1 failure as above.
 */
int	maildir_deliver_once(const char *path, const char *key, int recheck,
	    const char *prefix, size_t prefix_len, int fd, uint64_t off,
	    uint64_t len, char *name, size_t namesz, char *err, size_t errsz);

/*
 * The same in two steps, so that the deliveries of a batch share their
 * syncs: stage writes each message into tmp/ (nothing synced, its
 * write-out started) and returns 0 (staged), 1 (already delivered, as
 * above) or -1 (it->error, it->err); commit then fsyncs and links every
 * staged item and fsyncs each distinct new/ once, and sets each item's
 * rc (0, 1 or -1 with error and err) and name.  An item is reported
 * delivered only once its file and its new/ entry are on disk.  Staged
 * items hold a descriptor until commit.
 */
struct maildir_item {
	int	rc;			/* 0 delivered, 1 there, -1 failed */
	int	error;			/* errno when rc is -1 */
	char	name[NAME_MAX + 8];	/* as maildir_deliver_once's */
	char	err[256];
	/* private */
	int	fd;
	int	keyed;
	int	anon;			/* O_TMPFILE: no tmp/ name */
	char	tmp[PATH_MAX], dst[PATH_MAX], newdir[PATH_MAX];
};

int	maildir_stage(struct maildir_item *, const char *path,
	    const char *key, int recheck, const char *prefix,
	    size_t prefix_len, int fd, uint64_t off, uint64_t len);
void	maildir_commit(struct maildir_item *, size_t n);

/*
 * DATADIR/mail/DOMAIN/LOCALPART/Maildir for address, lower-cased (ASCII),
 * into out.  -1 (errno EINVAL, or ENAMETOOLONG when out is too small) for
 * a local part or domain that is empty, longer than its RFC 5321 limit,
 * starts with '.' (so also "." and ".."), or holds '/', '\', '@', '"', a
 * space or a control byte.  A quoted local part ("a.b"@d) loses its
 * quotes when what is inside passes the same test; else -1.
 */
int	maildir_path(const char *datadir, const char *address, char *out,
	    size_t outsz);

#endif
