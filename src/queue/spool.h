/*
 * spool: the queue's files, read and written by the queue process and by
 * the `postern queue` commands.  DIR/spool/queue holds the spool log
 * (seglog.h: SSSS.seg segments of records, content and envelope, and
 * SSSS.done lists; spool_index.c finds a message in them by id) and,
 * per message:
 *
 *	ID.msg	content, envelope and trailer (envelope.h), for a message
 *		queue_inject made or one queued before the log; written
 *		once at commit and never changed afterwards
 *	ID.st	delivery state: an append-only log of records, absent until
 *		the first attempt that leaves something to remember
 *	NNNNNNNN.free	an empty file kept for the next message (spool_pool)
 *
 * A record is one line.  Strings carry explicit lengths, so no reply text
 * can forge a record:
 *
 *	R IDX STATE ATTEMPTS NEXT LAST FLAGS LEN:STATUS LEN:MTA LEN:REPLY
 *		recipient IDX after an attempt: STATE p(ending), d(one) or
 *		f(ailed); NEXT the earliest next attempt, LAST this one;
 *		FLAGS SPOOL_F_* 
 *	H 1 | H 0	held / released
 *	B		the bounce for this message is queued (do not send
 *			another after a crash)
 *	W 1 | W 0	a delay notice is (being) sent / was not: written
 *			before the notice is queued, so a crash can lose
 *			one but never send two
 *
 * Later records win.  A last line without its newline is a record cut by
 * a crash (or a full disk) and is ignored; the attempt it described will
 * be made again, and the next append first cuts the fragment off.  When
 * the log grows past SPOOL_COMPACT bytes, spool_compact() replaces it
 * with a snapshot (written aside, fsynced, renamed over it).
 * Every append is one write(2) on an O_APPEND descriptor followed by
 * fdatasync, so concurrent appenders (delivery threads, the CLI when the
 * server is stopped) never interleave inside a record.  An append that
 * fails (the disk is full) leaves nothing in the file; its records wait
 * in memory, and go to the file, in order, before the next ones.
 */
#ifndef POSTERN_SPOOL_H
#define POSTERN_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "queue/envelope.h"
#include "queue/seglog.h"

#define SPOOL_STATUS_MAX	15
#define SPOOL_MTA_MAX		255
#define SPOOL_REPLY_MAX		511
#define SPOOL_ST_MAX		(64 * 1024 * 1024)	/* state log bound */
#define SPOOL_COMPACT		(256 * 1024)	/* then write a snapshot */
#define SPOOL_KEPT_MAX		(256 * 1024)	/* unwritten records per log */

/* Recipient flags kept in the log. */
#define SPOOL_F_HARD		0x01	/* hard bounce: suppress the address */
#define SPOOL_F_DSN_PASSED	0x02	/* the next hop took over DSN duties
					   (RFC 3461 §4.1) */

enum spool_rstate {
	SPOOL_R_PENDING = 'p',
	SPOOL_R_DONE = 'd',
	SPOOL_R_FAILED = 'f',
};

struct spool_rcpt {
	enum spool_rstate state;
	uint32_t	 attempts;
	int64_t		 next;		/* unix s; 0 = as soon as possible */
	int64_t		 last;		/* last attempt, 0 none */
	char		 status[SPOOL_STATUS_MAX + 1];	/* "4.4.1" */
	char		 mta[SPOOL_MTA_MAX + 1];	/* who answered */
	char		 reply[SPOOL_REPLY_MAX + 1];	/* what, printable */
	uint32_t	 flags;		/* SPOOL_F_* */
};

struct spool_msg {
	struct envelope	 env;
	uint64_t	 content_off;	/* where the content starts in the
					   file spool_open_msg() opens */
	uint64_t	 content_len;
	int		 hold;
	int		 bounced;
	int		 warned;	/* delay notice sent (W 1) */
	struct spool_rcpt *rs;		/* env.nrcpt entries */
};

/*
 * The files of a message.  This module alone spells their names: every
 * other module asks spool_path() or opens them through the functions
 * below.
 */
enum spool_file {
	SPOOL_MSG,	/* ID.msg: content, envelope, trailer */
	SPOOL_ST,	/* ID.st: the state log */
	SPOOL_TMP,	/* ID.tmp: a message being received (queue.c) */
	SPOOL_ST_TMP,	/* ID.st.tmp: a snapshot being written */
};
#define SPOOL_NAME_MAX	(ENVELOPE_ID_MAX + 8)	/* longest name, NUL too */

/* Is id a queue id (18 upper-case hex digits, queue.c)?  1 or 0. */
int	spool_valid_id(const char *id);
/* "ID.msg" names only: 1 if name is one, with the id copied out. */
int	spool_msg_name(const char *name, char *id, size_t idsz);
/* The name of id's file of that kind, in out.  0, or -1 if too long. */
int	spool_path(const char *id, enum spool_file, char *out, size_t outsz);
/*
 * Which kind of spool file name is, by its last suffix (".st.tmp" is a
 * SPOOL_TMP), with what precedes the suffix copied to id; -1 for a
 * hidden name or one that is no spool file.
 */
int	spool_file_kind(const char *name, char *id, size_t idsz);
/*
 * A read-only view of len bytes of fd from off (any offset; the map
 * itself starts on a page).  0, or -1 with errno; len 0 maps nothing.
 */
struct spool_map {
	void		*base;
	size_t		 maplen;
	const char	*p;		/* the first of the len bytes */
};
int	spool_map(int fd, uint64_t off, uint64_t len, struct spool_map *);
void	spool_unmap(struct spool_map *);
/* Open ID.msg read-only.  The descriptor, or -1 with errno. */
int	spool_open_msg(int dirfd, const char *id);
/* 0 if ID.msg exists, else -1 with errno (ENOENT: the message is gone). */
int	spool_msg_access(int dirfd, const char *id);

/*
 * Load ID.msg and ID.st from the queue directory.  0, or -1 with the
 * reason in err (and errno ENOENT if the message is gone).
 */
int	spool_load(int dirfd, const char *id, struct spool_msg *, char *err,
	    size_t errsz);
void	spool_msg_free(struct spool_msg *);
/* Apply the records of a state log (n bytes) to a loaded message. */
int	spool_apply(struct spool_msg *, const char *log, size_t n);

/* Append a record to b: a recipient's state (R), held or released (H),
   the bounce queued (B).  0 or -1. */
int	spool_rec_rcpt(struct buf *b, size_t idx, const struct spool_rcpt *);
int	spool_rec_hold(struct buf *b, int hold);
int	spool_rec_bounced(struct buf *b);
int	spool_rec_warned(struct buf *b, int warned);
/*
 * Append b to ID.st and make it durable (fdatasync; the directory too
 * when the file is new).  A failed write is cut off again, and its
 * records are kept in memory (up to SPOOL_KEPT_MAX per log) to be
 * written ahead of the next append to the same log or by
 * spool_log_retry().  0, or -1 with errno when b is not on disk yet;
 * *size (if not NULL) gets the log's size afterwards.
 */
int	spool_log(int dirfd, const char *id, const struct buf *b,
	    uint64_t *size);
/* How many logs have records kept by a failed spool_log(). */
size_t	spool_log_kept(void);
/*
 * Write the kept records (those of a message whose ID.msg is gone are
 * dropped).  The number of logs still waiting for them.
 */
size_t	spool_log_retry(int dirfd);
/* A snapshot of m's whole state as records (for spool_compact). */
int	spool_snapshot(const struct spool_msg *m, struct buf *b);
/* Replace ID.st with the records in b (written aside, renamed over). */
int	spool_compact(int dirfd, const char *id, const struct buf *b);
/*
 * Remove a message: its record marked done in the spool log (or ID.msg,
 * into the pool when it is on), then ID.st; if sync, the directory is
 * fsynced when it changed and the done mark by the next
 * spool_index_flush().  When the
 * record cannot be marked done, ID.st stays (the message comes back at
 * the next start, and its state says what was done) and -1.
 */
int	spool_remove(int dirfd, const char *id, int sync);
/*
 * spool_remove() for a message this process accepted and has tracked
 * since: its ID.st, if any, was written here (spool_log, spool_compact),
 * so one it never had is not looked for (no unlinkat per message).
 */
int	spool_remove_new(int dirfd, const char *id, int sync);

/*
 * The pool of free message files (spool_pool.c): the queue process
 * recycles the inodes of finished messages instead of creating a file
 * per message.  Off (plain create and unlink) until spool_pool_start().
 */
#define SPOOL_POOL_MAX		4096
/* Adopt the NNNNNNNN.free files of dirfd and turn the pool on.  0 or -1. */
int	spool_pool_start(int dirfd);
void	spool_pool_stop(void);
size_t	spool_pool_size(void);
/*
 * A new, empty file called name in dirfd, open for writing: a free one
 * renamed, else created (O_EXCL).  The descriptor, or -1 with errno
 * (EEXIST when name exists).
 */
int	spool_pool_open(int dirfd, const char *name);
/* Free name: truncated and kept in the pool, or unlinked.  As unlinkat. */
int	spool_pool_put(int dirfd, const char *name);

/*
 * The messages in the spool log (spool_index.c), by id, for the calls
 * above: they look a message up here first, then as ID.msg (a message
 * queued before the log, or made by queue_inject).
 *
 * load: recovery (seglog_recover, with its flags: SEGLOG_READONLY
 * beside a running queue), every segment found is sealed; the
 * number of messages, or -1 with errno; *next the next segment number.
 * add: a message just made durable.  0, or -1 (EEXIST, ENOMEM).
 * find: 1 with its place in *loc (if not NULL), or 0.
 * remove: its record goes on the done list, written; if sync, the
 * next flush syncs it; the segment is reclaimed when sealed and empty.
 * 0, or -1 with errno (ENOENT: not in the log).
 * flush: fdatasync the done lists removals wrote since the last flush
 * (and the directory).  0, or -1 with errno.
 * seal: the writer has left segment segno.
 * live: how many messages segno still holds.
 * ids: strdup'ed ids appended to *ids (n of them).  0 or -1.
 */
long	spool_index_load(int dirfd, uint64_t *next, int flags);
int	spool_index_add(const char *id, const struct seglog_loc *loc);
int	spool_index_find(const char *id, struct seglog_loc *loc);
int	spool_index_remove(int dirfd, const char *id, int sync);
int	spool_index_flush(int dirfd);
void	spool_index_seal(int dirfd, uint64_t segno);
size_t	spool_index_live(uint64_t segno);
int	spool_index_ids(char ***ids, size_t *n);
void	spool_index_clear(void);

/* Printable, single-line copy of peer text (controls become spaces). */
void	spool_printable(char *out, size_t outsz, const char *in, size_t n);

#endif
