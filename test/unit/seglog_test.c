/*
 * seglog_test: the spool log's records round-trip through the writer and
 * the reader; a cut anywhere inside the last record, or one changed
 * byte anywhere in a record, drops that record and everything after it
 * and nothing before; a failed append leaves nothing behind; done lists
 * and recovery skip, reclaim and number segments as docs/ARCHITECTURE.md
 * says; staging files come back empty and rewound.
 */
#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/util.h"
#include "queue/seglog.h"
#include "tmpdir.h"

#define NREC	3

struct fix {
	char			 dir[64];
	int			 dirfd;
	struct seglog_w		 w;
	struct seglog_loc	 loc[NREC];
};

struct seen {
	size_t			 n;
	struct seglog_loc	 loc[16];
	char			 env[16][64];
};

static char *
content_of(size_t i, size_t *len)
{
	static char	c[1024];
	size_t		k;

	*len = 200 + i * 150;
	for (k = 0; k < *len; k++)
		c[k] = (char)('a' + (k * 7 + i) % 26);
	return c;
}

/* A staging file holding content i, as the smtp process leaves it. */
static int
staged(int dirfd, size_t i, uint64_t *len)
{
	size_t	n;
	char	*c = content_of(i, &n);
	int	fd = seglog_stage_get(dirfd);

	assert_true(fd != -1);
	assert_int_equal(util_write_all(fd, c, n), 0);
	*len = n;
	return fd;
}

static int
append_one(struct fix *f, size_t i, struct seglog_loc *loc)
{
	char		env[64];
	uint64_t	len;
	int		fd = staged(f->dirfd, i, &len), rc;

	snprintf(env, sizeof(env), "postern-envelope 1\nid %zu\n", i);
	rc = seglog_w_append(&f->w, env, (uint32_t)strlen(env), fd, len, loc);
	seglog_stage_put(fd, UINT64_MAX);
	return rc;
}

static int
setup(void **state)
{
	struct fix	*f = calloc(1, sizeof(*f));
	size_t		 i;

	strcpy(f->dir, "/tmp/seglog_test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(seglog_w_open(&f->w, f->dirfd, 1, SEGLOG_SEG_MAX),
	    0);
	for (i = 0; i < NREC; i++)
		assert_int_equal(append_one(f, i, &f->loc[i]), 0);
	assert_int_equal(seglog_w_sync(&f->w), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix	*f = *state;

	seglog_w_close(&f->w);
	seglog_stage_clear();
	tmpdir_remove(f->dir, f->dirfd);
	free(f);
	return 0;
}

static int
record(void *arg, const struct seglog_loc *l, const char *env)
{
	struct seen	*s = arg;

	assert_true(s->n < 16);
	s->loc[s->n] = *l;
	snprintf(s->env[s->n], sizeof(s->env[0]), "%s", env);
	s->n++;
	return 0;
}

/* A memfd holding the first n bytes of segment 1. */
static int
copy_prefix(struct fix *f, size_t n, unsigned char **whole, size_t *size)
{
	struct stat	 sb;
	unsigned char	*p;
	int		 fd = openat(f->dirfd, "0000000000000001.seg", O_RDONLY),
			 m = memfd_create("seg", 0);

	assert_true(fd != -1 && m != -1);
	assert_int_equal(fstat(fd, &sb), 0);
	p = malloc((size_t)sb.st_size);
	assert_int_equal(pread(fd, p, (size_t)sb.st_size, 0), sb.st_size);
	assert_int_equal(util_write_all(m, p, n < (size_t)sb.st_size ? n :
	    (size_t)sb.st_size), 0);
	close(fd);
	*size = (size_t)sb.st_size;
	if (whole)
		*whole = p;
	else
		free(p);
	return m;
}

static void
test_roundtrip(void **state)
{
	struct fix	*f = *state;
	struct seen	 s = { 0 };
	char		 want[64], *c, got[1024];
	uint64_t	 end;
	size_t		 i, n, size;
	int		 fd = copy_prefix(f, SIZE_MAX, NULL, &size);

	assert_int_equal(seglog_scan(fd, 1, record, &s, &end), NREC);
	assert_int_equal(end, size);
	assert_int_equal(end, f->w.tail);
	assert_int_equal(f->w.synced, f->w.tail);
	for (i = 0; i < NREC; i++) {
		snprintf(want, sizeof(want), "postern-envelope 1\nid %zu\n", i);
		assert_string_equal(s.env[i], want);
		assert_int_equal(s.loc[i].segno, f->loc[i].segno);
		assert_int_equal(s.loc[i].off, f->loc[i].off);
		assert_int_equal(s.loc[i].env_len, f->loc[i].env_len);
		assert_int_equal(s.loc[i].content_len, f->loc[i].content_len);
		c = content_of(i, &n);
		assert_int_equal(s.loc[i].content_len, n);
		assert_int_equal(pread(fd, got, n,
		    (off_t)SEGLOG_CONTENT_OFF(&s.loc[i])), (ssize_t)n);
		assert_memory_equal(got, c, n);
	}
	assert_int_equal(f->loc[1].off, SEGLOG_REC_END(&f->loc[0]));
	/* a record of another segment (a renamed file) is not taken */
	assert_int_equal(seglog_scan(fd, 2, record, &s, &end), 0);
	assert_int_equal(end, 0);
	close(fd);
}

/* Every cut inside the last record drops it alone. */
static void
test_torn_tail(void **state)
{
	struct fix	*f = *state;
	uint64_t	 cut, end;
	size_t		 size;
	int		 fd;

	for (cut = f->loc[NREC - 1].off; cut < f->w.tail; cut++) {
		fd = copy_prefix(f, (size_t)cut, NULL, &size);
		assert_int_equal(seglog_scan(fd, 1, NULL, NULL, &end),
		    NREC - 1);
		assert_int_equal(end, f->loc[NREC - 1].off);
		close(fd);
	}
	/* zeros after the records (a file system's unwritten tail) */
	fd = copy_prefix(f, SIZE_MAX, NULL, &size);
	assert_int_equal(ftruncate(fd, (off_t)size + 4096), 0);
	assert_int_equal(seglog_scan(fd, 1, NULL, NULL, &end), NREC);
	assert_int_equal(end, size);
	close(fd);
}

/* One changed byte anywhere in record 1 stops the scan before it. */
static void
test_corrupt_byte(void **state)
{
	struct fix	*f = *state;
	unsigned char	*p, x;
	uint64_t	 off, end;
	size_t		 size;
	int		 fd;

	fd = copy_prefix(f, SIZE_MAX, &p, &size);
	for (off = f->loc[1].off; off < SEGLOG_REC_END(&f->loc[1]); off++) {
		x = p[off] ^ (unsigned char)(1 << (off % 8));
		assert_int_equal(pwrite(fd, &x, 1, (off_t)off), 1);
		assert_int_equal(seglog_scan(fd, 1, NULL, NULL, &end), 1);
		assert_int_equal(end, f->loc[1].off);
		assert_int_equal(pwrite(fd, &p[off], 1, (off_t)off), 1);
	}
	assert_int_equal(seglog_scan(fd, 1, NULL, NULL, &end), NREC);
	free(p);
	close(fd);
}

/* An append that fails (short content) leaves the file as it was. */
static void
test_failed_append(void **state)
{
	struct fix		*f = *state;
	struct seglog_loc	 l;
	struct stat		 sb;
	uint64_t		 tail = f->w.tail, end;
	int			 fd = seglog_stage_get(f->dirfd), seg;

	assert_int_equal(util_write_all(fd, "short", 5), 0);
	assert_int_equal(seglog_w_append(&f->w, "e", 1, fd, 100, &l), -1);
	assert_int_equal(errno, EIO);
	seglog_stage_put(fd, UINT64_MAX);
	assert_int_equal(f->w.tail, tail);
	seg = openat(f->dirfd, "0000000000000001.seg", O_RDONLY);
	assert_int_equal(fstat(seg, &sb), 0);
	assert_int_equal(sb.st_size, tail);
	/* the next record goes right after the last whole one */
	assert_int_equal(append_one(f, 0, &l), 0);
	assert_int_equal(l.off, tail);
	assert_int_equal(seglog_w_sync(&f->w), 0);
	assert_int_equal(seglog_scan(seg, 1, NULL, NULL, &end), NREC + 1);
	assert_int_equal(end, f->w.tail);
	close(seg);
}

static void
test_rotate(void **state)
{
	struct fix		*f = *state;
	struct seglog_loc	 l;

	/* not past seg_max: stays */
	assert_int_equal(seglog_w_prepare(&f->w), 0);
	assert_int_equal(f->w.segno, 1);
	f->w.seg_max = 1;
	/* unsynced records: refuses to leave them */
	assert_int_equal(append_one(f, 1, &l), 0);
	assert_int_equal(seglog_w_prepare(&f->w), -1);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(seglog_w_sync(&f->w), 0);
	assert_int_equal(seglog_w_prepare(&f->w), 0);
	assert_int_equal(f->w.segno, 2);
	assert_int_equal(f->w.tail, 0);
	assert_int_equal(append_one(f, 2, &l), 0);
	assert_int_equal(l.segno, 2);
	assert_int_equal(l.off, 0);
	assert_int_equal(seglog_w_sync(&f->w), 0);
	/* a sealed segment is left too, even when small */
	f->w.seg_max = SEGLOG_SEG_MAX;
	f->w.sealed = 1;
	assert_int_equal(append_one(f, 2, &l), -1);
	assert_int_equal(seglog_w_prepare(&f->w), 0);
	assert_int_equal(f->w.segno, 3);
}

static void
test_done_entries(void **state)
{
	uint8_t		b[6 * SEGLOG_DONE_LEN + 7];
	uint64_t	offs[8];

	(void)state;
	seglog_done_encode(b, 500);
	seglog_done_encode(b + 16, 40);
	seglog_done_encode(b + 32, 500);		/* repeated */
	memset(b + 48, 0, 16);				/* zeros: no entry */
	seglog_done_encode(b + 64, 9);
	b[64 + 3] ^= 1;					/* damaged */
	seglog_done_encode(b + 80, 0);
	memset(b + 96, 0xff, 7);			/* torn */
	assert_int_equal(seglog_done_parse(b, sizeof(b), offs, 8), 3);
	assert_int_equal(offs[0], 0);
	assert_int_equal(offs[1], 40);
	assert_int_equal(offs[2], 500);
	assert_true(seglog_done_has(offs, 3, 40));
	assert_false(seglog_done_has(offs, 3, 9));
	assert_int_equal(seglog_done_parse(b, sizeof(b), offs, 2), -1);
}

static void
test_names(void **state)
{
	char		name[SEGLOG_NAME_MAX];
	uint64_t	segno;
	int		done;

	(void)state;
	assert_int_equal(seglog_name(0xABC, 1, name, sizeof(name)), 0);
	assert_string_equal(name, "0000000000000ABC.done");
	assert_int_equal(seglog_name(1, 0, name, 10), -1);
	assert_int_equal(seglog_name_parse("00000000000000FF.seg", &segno,
	    &done), 1);
	assert_int_equal(segno, 255);
	assert_int_equal(done, 0);
	assert_int_equal(seglog_name_parse("00000000000000ff.seg", &segno,
	    &done), 0);
	assert_int_equal(seglog_name_parse("00000000000000FF.seg.tmp",
	    &segno, &done), 0);
	assert_int_equal(seglog_name_parse("0123456789ABCDEF01.msg", &segno,
	    &done), 0);
}

static int
exists(struct fix *f, const char *name)
{
	return faccessat(f->dirfd, name, F_OK, 0) == 0;
}

/*
 * Recovery: done records skipped, a torn tail ignored, a segment with
 * nothing left reclaimed, a stray done list removed, the next number
 * past all of them.
 */
static void
test_recover(void **state)
{
	struct fix		*f = *state;
	struct seen		 s = { 0 };
	struct seglog_loc	 l2;
	uint64_t		 next, offs[2];
	size_t			 i;
	int			 fd;

	/* segment 2: one record, done */
	f->w.seg_max = 1;
	assert_int_equal(seglog_w_prepare(&f->w), 0);
	assert_int_equal(append_one(f, 0, &l2), 0);
	assert_int_equal(l2.segno, 2);
	assert_int_equal(seglog_w_sync(&f->w), 0);
	seglog_w_close(&f->w);
	assert_int_equal(seglog_done_mark(f->dirfd, 2, &l2.off, 1, 1), 0);
	/* segment 1: record 1 done (and a harmless stray offset) */
	offs[0] = 200000;
	offs[1] = f->loc[1].off;
	assert_int_equal(seglog_done_mark(f->dirfd, 1, offs, 2, 1), 0);
	/* ... and a torn half record at its end */
	fd = openat(f->dirfd, "0000000000000001.seg", O_WRONLY | O_APPEND);
	assert_int_equal(util_write_all(fd, "PSG1\x05", 5), 0);
	close(fd);
	/* the done list of segment 7, which is gone */
	assert_int_equal(seglog_done_mark(f->dirfd, 7, offs, 1, 0), 0);
	assert_int_equal(seglog_recover(f->dirfd, record, &s, &next, 0), 2);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.env[0], "postern-envelope 1\nid 0\n");
	assert_string_equal(s.env[1], "postern-envelope 1\nid 2\n");
	for (i = 0; i < s.n; i++)
		assert_int_equal(s.loc[i].segno, 1);
	assert_int_equal(next, 8);
	assert_true(exists(f, "0000000000000001.seg"));
	assert_true(exists(f, "0000000000000001.done"));
	assert_false(exists(f, "0000000000000002.seg"));
	assert_false(exists(f, "0000000000000002.done"));
	assert_false(exists(f, "0000000000000007.done"));
	/* the rest done: recovery reclaims segment 1 too */
	offs[0] = s.loc[0].off;
	offs[1] = s.loc[1].off;
	assert_int_equal(seglog_done_mark(f->dirfd, 1, offs, 2, 1), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(seglog_recover(f->dirfd, record, &s, &next, 0), 0);
	assert_int_equal(s.n, 0);
	assert_false(exists(f, "0000000000000001.seg"));
	assert_false(exists(f, "0000000000000001.done"));
	assert_int_equal(next, 2);
}

/* A torn done entry does not shift the ones written after it. */
static void
test_done_torn(void **state)
{
	struct fix	*f = *state;
	struct seen	 s = { 0 };
	uint64_t	 next, off = f->loc[0].off;
	int		 fd;

	fd = openat(f->dirfd, "0000000000000001.done", O_WRONLY | O_CREAT,
	    0600);
	assert_int_equal(util_write_all(fd, "\x01\x02\x03", 3), 0);
	close(fd);
	assert_int_equal(seglog_done_mark(f->dirfd, 1, &off, 1, 1), 0);
	seglog_w_close(&f->w);
	assert_int_equal(seglog_recover(f->dirfd, record, &s, &next, 0), NREC - 1);
	assert_int_equal(s.loc[0].off, f->loc[1].off);
	assert_int_equal(next, 2);
}

static void
test_stage_reuse(void **state)
{
	struct fix	*f = *state;
	struct stat	 sb;
	int		 fd = seglog_stage_get(f->dirfd), again;

	assert_int_equal(util_write_all(fd, "content", 7), 0);
	seglog_stage_put(fd, UINT64_MAX);
	again = seglog_stage_get(f->dirfd);
	assert_int_equal(again, fd);
	assert_int_equal(fstat(again, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(lseek(again, 0, SEEK_CUR), 0);
	seglog_stage_put(again, UINT64_MAX);
}

/* An ordinary message's staging file is rewound, not cut: the next one
   writes over its blocks; one over SEGLOG_STAGE_TRIM is cut. */
static void
test_stage_keeps_small(void **state)
{
	struct fix	*f = *state;
	struct stat	 sb;
	char		 big[4096];
	size_t		 i;
	int		 fd = seglog_stage_get(f->dirfd), again;

	assert_int_equal(util_write_all(fd, "content", 7), 0);
	seglog_stage_put(fd, 7);
	again = seglog_stage_get(f->dirfd);
	assert_int_equal(again, fd);
	assert_int_equal(fstat(again, &sb), 0);
	assert_int_equal(sb.st_size, 7);
	assert_int_equal(lseek(again, 0, SEEK_CUR), 0);
	memset(big, 'x', sizeof(big));
	for (i = 0; i <= SEGLOG_STAGE_TRIM / sizeof(big); i++)
		assert_int_equal(util_write_all(again, big, sizeof(big)), 0);
	seglog_stage_put(again, SEGLOG_STAGE_TRIM + sizeof(big));
	fd = seglog_stage_get(f->dirfd);
	assert_int_equal(fd, again);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	seglog_stage_put(fd, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_byte, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_failed_append, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rotate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_done_torn, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stage_reuse, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stage_keeps_small, setup,
		    teardown),
		cmocka_unit_test(test_done_entries),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
