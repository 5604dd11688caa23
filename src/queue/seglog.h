/*
 * seglog: the spool log (docs/ARCHITECTURE.md, "The spool log").  A
 * segment, DIR/spool/queue/SSSSSSSSSSSSSSSS.seg, is a sequence of
 * records, each a SEGLOG_HDR_LEN header and its payload:
 *
 *	 0  4	magic "PSG1"
 *	 4  4	envelope length E (u32 LE, <= SEGLOG_ENV_MAX)
 *	 8  8	content length C (u64 LE, <= SEGLOG_CONTENT_MAX)
 *	16  8	segment number (u64 LE), the file's own
 *	24 16	first 16 bytes of SHA-256 over bytes 0-23, then the
 *		envelope, then the content
 *	40  E	the envelope (envelope.h's text form)
 *    40+E  C	the content
 *
 * and the next record starts at 40 + E + C.  SSSS.done lists finished
 * records: SEGLOG_DONE_LEN-byte entries, the record's offset and its
 * complement (u64 LE each).
 *
 * seglog.c is the format and the reader; it trusts nothing it reads: a
 * record counts only if every length is in bounds and inside the file,
 * the segment number is the file's and the checksum matches, and a scan
 * stops at the first record that fails.  seglog_write.c is the writer
 * (one per queue writer thread) and what reclaims segments.
 */
#ifndef POSTERN_SEGLOG_H
#define POSTERN_SEGLOG_H

#include <stddef.h>
#include <stdint.h>

#define SEGLOG_HDR_LEN		40
#define SEGLOG_SUM_LEN		16
#define SEGLOG_SUMMED_LEN	24	/* header bytes under the checksum */
#define SEGLOG_ENV_MAX		(16U * 1024 * 1024)
#define SEGLOG_CONTENT_MAX	(1ULL << 30)
#define SEGLOG_SEG_MAX		(64ULL * 1024 * 1024)	/* then rotate */
#define SEGLOG_DONE_LEN		16
#define SEGLOG_NAME_MAX		24	/* "SSSSSSSSSSSSSSSS.done" + NUL */

struct seglog_hdr {
	uint32_t	 env_len;
	uint64_t	 content_len;
	uint64_t	 segno;
	uint8_t		 sum[SEGLOG_SUM_LEN];
};

/* Where a message is: its record, and so its envelope and content. */
struct seglog_loc {
	uint64_t	 segno;
	uint64_t	 off;		/* of the record's header */
	uint32_t	 env_len;
	uint64_t	 content_len;
};
/* Where the envelope and the content of a record start. */
#define SEGLOG_ENV_OFF(l)	((l)->off + SEGLOG_HDR_LEN)
#define SEGLOG_CONTENT_OFF(l)	((l)->off + SEGLOG_HDR_LEN + (l)->env_len)
#define SEGLOG_REC_END(l)	(SEGLOG_CONTENT_OFF(l) + (l)->content_len)

/* The checksum, computed in pieces (OpenSSL's SHA-256). */
struct seglog_sum {
	void		*md;		/* EVP_MD_CTX */
};
/* Start over the header's first SEGLOG_SUMMED_LEN bytes.  0 or -1. */
int	seglog_sum_init(struct seglog_sum *, const uint8_t *hdr);
int	seglog_sum_update(struct seglog_sum *, const void *, size_t);
/* The first SEGLOG_SUM_LEN bytes of the digest into out; frees.  0/-1. */
int	seglog_sum_final(struct seglog_sum *, uint8_t *out);
void	seglog_sum_free(struct seglog_sum *);

/* The header's bytes (out: SEGLOG_HDR_LEN). */
void	seglog_hdr_encode(uint8_t *out, const struct seglog_hdr *);
/*
 * Read a header (p: SEGLOG_HDR_LEN bytes) of a record of segment segno:
 * 0, or -1 if the magic, a length bound or the segment number is wrong.
 * The checksum is not checked here (it needs the payload).
 */
int	seglog_hdr_decode(const uint8_t *p, uint64_t segno,
	    struct seglog_hdr *);
/*
 * A whole record in memory, for tests and the fuzzer: write its header
 * into hdr (SEGLOG_HDR_LEN) with the checksum of env and content.  0/-1.
 */
int	seglog_encode(uint8_t *hdr, uint64_t segno, const void *env,
	    uint32_t env_len, const void *content, uint64_t content_len);
/*
 * Check the record at the start of p (n bytes available): 1 and its
 * place in *loc (off 0) if it is whole and valid, 0 if not.
 */
int	seglog_check(const uint8_t *p, size_t n, uint64_t segno,
	    struct seglog_loc *);

/* "SSSSSSSSSSSSSSSS.seg" or ".done" for segno.  0, or -1 if too small. */
int	seglog_name(uint64_t segno, int done, char *out, size_t outsz);
/* Is name a segment (done 0) or a done list (done 1)?  1 with segno, 0. */
int	seglog_name_parse(const char *name, uint64_t *segno, int *done);

/*
 * Read the segment open on fd (its number segno) from offset 0.  For
 * each valid record, cb gets its place and its envelope (env_len bytes,
 * NUL-terminated); the content is read and checksummed in chunks, never
 * held whole.  The scan stops at the first invalid record (or the end);
 * *end (if not NULL) gets the offset where it stopped, the end of the
 * last valid record.  The number of valid records, or -1 with errno on
 * a read error, out of memory, or when cb returns -1.
 */
typedef int (*seglog_cb)(void *arg, const struct seglog_loc *,
    const char *env);
long	seglog_scan(int fd, uint64_t segno, seglog_cb cb, void *arg,
	    uint64_t *end);

/* A done entry for the record at off (out: SEGLOG_DONE_LEN bytes). */
void	seglog_done_encode(uint8_t *out, uint64_t off);
/* 0 with the offset, or -1 if the entry is not one. */
int	seglog_done_decode(const uint8_t *p, uint64_t *off);
/*
 * The entries of a done list (n bytes): valid ones go to offs (up to
 * max of them, sorted, without repeats).  How many, or -1 if more than
 * max.
 */
long	seglog_done_parse(const uint8_t *p, size_t n, uint64_t *offs,
	    size_t max);
/* qsort(3) order of uint64_t. */
int	seglog_cmp_u64(const void *, const void *);
/* Is off among the n sorted offsets?  1 or 0. */
int	seglog_done_has(const uint64_t *offs, size_t n, uint64_t off);

/*
 * The writer (seglog_write.c), one per queue writer thread, which alone
 * touches it.  Records go to the active segment at w->tail; nothing is
 * acknowledged before seglog_w_sync() has covered it.  The rule that
 * keeps recovery's "stop at the first invalid record" safe: a record is
 * only ever written right after a whole one; a failed write is cut off
 * again, and when even that fails the segment is sealed.
 */
struct seglog_w {
	int		 dirfd;
	int		 fd;		/* the active segment, -1 none */
	uint64_t	 segno;
	uint64_t	 tail;		/* end of the last record appended */
	uint64_t	 synced;	/* how far the last fdatasync reached */
	uint64_t	 seg_max;	/* rotate past this many bytes */
	int		 sealed;	/* nothing more goes into this one */
};

/*
 * Create segment segno (O_EXCL: a segment is never reopened for
 * writing) and fsync the directory.  0, or -1 with errno.
 */
int	seglog_w_open(struct seglog_w *, int dirfd, uint64_t segno,
	    uint64_t seg_max);
void	seglog_w_close(struct seglog_w *);
/*
 * Before a batch: start the next segment if this one is sealed or past
 * seg_max (only once all of it is synced).  0, or -1 with errno (no
 * segment to write to: the batch fails).
 */
int	seglog_w_prepare(struct seglog_w *);
/*
 * Leave the active segment (all of it synced) for a new one, created by
 * the next seglog_w_prepare(): when every message in it is done, so
 * that it can be reclaimed.  0, or -1 (EBUSY) if a record is unsynced.
 */
int	seglog_w_retire(struct seglog_w *);
/*
 * Append a record: env (env_len bytes), then content_len bytes read
 * from content_fd at offset 0.  Not durable until seglog_w_sync().
 * 0 with its place in *loc, or -1 with errno (ENOSPC, EDQUOT: the disk
 * is full; EIO also when content_fd holds fewer bytes) and nothing of
 * the record left in the segment.
 */
int	seglog_w_append(struct seglog_w *, const void *env, uint32_t env_len,
	    int content_fd, uint64_t content_len, struct seglog_loc *loc);
/*
 * One fdatasync for every record appended since the last one.  0, or
 * -1 with errno: then none of those records may be acknowledged; they
 * are cut off (best effort) and the segment is sealed.
 */
int	seglog_w_sync(struct seglog_w *);

/*
 * Mark n records of segment segno finished (append to SSSS.done), with
 * fdatasync (and the directory's when the list is new) if sync.  0/-1.
 */
int	seglog_done_mark(int dirfd, uint64_t segno, const uint64_t *offs,
	    size_t n, int sync);
/*
 * The two halves of seglog_done_mark for a caller that keeps the list
 * open: open (create) segno's done list for appending, cut back to whole
 * entries; *created (may be NULL) says it was empty.  fd or -1.  Then
 * append n entries with one write.  0/-1; after -1 close the list and
 * open it again before the next append.
 */
int	seglog_done_open(int dirfd, uint64_t segno, int *created);
int	seglog_done_append(int fd, const uint64_t *offs, size_t n);
/* fdatasync segment segno's done list.  0, or -1 (ENOENT: none). */
int	seglog_done_sync(int dirfd, uint64_t segno);
/* Remove segment segno and its done list, then fsync the directory. */
int	seglog_reclaim(int dirfd, uint64_t segno);
/*
 * Recovery: scan every segment of dirfd in order; cb gets each valid
 * record that its done list does not name.  A segment with none left is
 * reclaimed, a done list without its segment removed, a torn tail
 * logged.  *next gets the number for the next segment.  The number of
 * records given to cb, or -1 with errno.  SEGLOG_READONLY: only read
 * (a reader beside the running queue: `postern queue list`); a segment
 * that vanishes meanwhile is skipped.
 */
#define SEGLOG_READONLY	0x01
long	seglog_recover(int dirfd, seglog_cb cb, void *arg, uint64_t *next,
	    int flags);

/*
 * Staging files for the content the smtp process writes: unnamed
 * (O_TMPFILE) in dirfd, so on its file system, reused, never synced
 * (where O_TMPFILE is missing: a stage-R.tmp file unlinked at once).
 * A descriptor or -1.  put rewinds it and keeps it (or closes it); len
 * is how much of it the last message used: the file is cut to 0 only
 * when that was over SEGLOG_STAGE_TRIM (or UINT64_MAX, not known), so
 * the blocks of an ordinary message are written over by the next one
 * rather than freed and allocated again at every message.
 */
#define SEGLOG_STAGE_TRIM	(256 * 1024)
int	seglog_stage_get(int dirfd);
void	seglog_stage_put(int fd, uint64_t len);
void	seglog_stage_clear(void);

#endif
