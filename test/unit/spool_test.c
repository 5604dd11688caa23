/*
 * spool_test: the delivery-state log (spool.h) round-trips through real
 * files, later records win, a record cut by a crash is ignored, and a
 * malformed or out-of-range record fails the load instead of being
 * guessed at; records an append could not write are kept and written
 * first next time, unless a snapshot or the message's removal made them
 * moot; the pool of free files hands the same inode back, empty,
 * and never adopts a name that shares its inode with a queued message;
 * a message in the spool log (seglog.h) is found, loaded, opened,
 * listed and removed by id like an ID.msg file, and its segment goes
 * once sealed and empty.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/util.h"
#include "queue/envelope.h"
#include "queue/spool.h"
#include "queue/spool_json.h"
#include "tmpdir.h"

#define ID	"0123456789ABCDEF01"

struct fix {
	char	dir[64];
	int	dirfd;
};

/* A queue directory holding one committed message with 3 recipients. */
static int
setup(void **state)
{
	struct fix	*f = calloc(1, sizeof(*f));
	struct envelope	 e;
	struct buf	 b;
	char		 tr[ENVELOPE_TRAILER_LEN + 1];
	const char	*content = "Subject: t\r\n\r\nbody\r\n";
	int		 fd;

	strcpy(f->dir, "/tmp/spool_test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY);
	envelope_init(&e);
	strcpy(e.id, ID);
	strcpy(e.sender, "s@example.test");
	envelope_add_rcpt(&e, "a@one.test");
	envelope_add_rcpt(&e, "b@two.test");
	envelope_add_rcpt(&e, "c@one.test");
	buf_init(&b, 65536);
	assert_int_equal(envelope_format(&e, &b), 0);
	envelope_trailer(tr, strlen(content), b.len);
	fd = openat(f->dirfd, ID ".msg", O_WRONLY | O_CREAT, 0600);
	assert_int_equal(util_write_all(fd, content, strlen(content)), 0);
	assert_int_equal(util_write_all(fd, b.data, b.len), 0);
	assert_int_equal(util_write_all(fd, tr, ENVELOPE_TRAILER_LEN), 0);
	close(fd);
	buf_free(&b);
	envelope_free(&e);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix	*f = *state;

	spool_pool_stop();
	spool_remove(f->dirfd, ID, 0);
	tmpdir_remove(f->dir, f->dirfd);
	free(f);
	return 0;
}

static void
append(struct fix *f, const char *text)
{
	struct buf	b;

	buf_init(&b, 65536);
	buf_appends(&b, text);
	assert_int_equal(spool_log(f->dirfd, ID, &b, NULL), 0);
	buf_free(&b);
}

static void
test_fresh(void **state)
{
	struct fix		*f = *state;
	struct spool_msg	 m;
	char			 err[128];

	assert_int_equal(spool_load(f->dirfd, ID, &m, err, sizeof(err)), 0);
	assert_int_equal(m.env.nrcpt, 3);
	assert_int_equal(m.content_len, strlen("Subject: t\r\n\r\nbody\r\n"));
	assert_int_equal(m.rs[0].state, SPOOL_R_PENDING);
	assert_int_equal(m.rs[2].attempts, 0);
	assert_int_equal(m.hold, 0);
	spool_msg_free(&m);
}

static void
test_records_roundtrip(void **state)
{
	struct fix		*f = *state;
	struct spool_msg	 m;
	struct spool_rcpt	 r;
	struct buf		 b;
	char			 err[128];

	memset(&r, 0, sizeof(r));
	r.state = SPOOL_R_PENDING;
	r.attempts = 1;
	r.next = 1800000300;
	r.last = 1800000000;
	strcpy(r.status, "4.2.0");
	strcpy(r.mta, "mx.two.test[127.0.0.3]");
	/* a reply that tries to forge a second record stays one value */
	strcpy(r.reply, "451 4.2.0 busy\nR 0 d 1 0 0 0 0: 0: 0:");
	buf_init(&b, 65536);
	assert_int_equal(spool_rec_rcpt(&b, 1, &r), 0);
	r.state = SPOOL_R_DONE;
	r.attempts = 2;
	assert_int_equal(spool_rec_rcpt(&b, 1, &r), 0);
	buf_appends(&b, "H 1\n");
	assert_int_equal(spool_log(f->dirfd, ID, &b, NULL), 0);
	buf_free(&b);
	assert_int_equal(spool_load(f->dirfd, ID, &m, err, sizeof(err)), 0);
	assert_int_equal(m.rs[1].state, SPOOL_R_DONE);	/* later wins */
	assert_int_equal(m.rs[1].attempts, 2);
	assert_int_equal(m.rs[1].next, 1800000300);
	assert_string_equal(m.rs[1].mta, "mx.two.test[127.0.0.3]");
	assert_string_equal(m.rs[1].reply,
	    "451 4.2.0 busy R 0 d 1 0 0 0 0: 0: 0:");
	assert_int_equal(m.rs[0].state, SPOOL_R_PENDING);
	assert_int_equal(m.hold, 1);
	spool_msg_free(&m);
}

static void
test_cut_record_ignored(void **state)
{
	struct fix		*f = *state;
	struct spool_msg	 m;
	char			 err[128];

	append(f, "R 0 f 1 0 5 1 5:5.1.1 0: 4:gone\nR 2 d 1 0 5 0 5:2.0.0 0: 2:ok");
	assert_int_equal(spool_load(f->dirfd, ID, &m, err, sizeof(err)), 0);
	assert_int_equal(m.rs[0].state, SPOOL_R_FAILED);
	assert_string_equal(m.rs[0].reply, "gone");
	assert_int_equal(m.rs[0].flags, SPOOL_F_HARD);
	assert_int_equal(m.rs[2].state, SPOOL_R_PENDING);
	spool_msg_free(&m);
	/* the next append cuts the fragment off instead of gluing to it */
	append(f, "H 1\n");
	assert_int_equal(spool_load(f->dirfd, ID, &m, err, sizeof(err)), 0);
	assert_int_equal(m.hold, 1);
	assert_int_equal(m.rs[2].state, SPOOL_R_PENDING);
	spool_msg_free(&m);
}

static void
test_compact(void **state)
{
	struct fix		*f = *state;
	struct spool_msg	 m;
	struct buf		 b;
	char			 err[128];
	int			 i;

	for (i = 0; i < 50; i++)
		append(f, "R 1 p 3 1800000000 1700000000 0 5:4.2.0 0: 4:busy\n");
	append(f, "R 0 d 1 0 5 2 5:2.0.0 2:mx 2:ok\nH 1\n");
	assert_int_equal(spool_load(f->dirfd, ID, &m, err, sizeof(err)), 0);
	buf_init(&b, 65536);
	assert_int_equal(spool_snapshot(&m, &b), 0);
	assert_int_equal(spool_compact(f->dirfd, ID, &b), 0);
	spool_msg_free(&m);
	buf_free(&b);
	assert_int_equal(spool_load(f->dirfd, ID, &m, err, sizeof(err)), 0);
	assert_int_equal(m.rs[0].state, SPOOL_R_DONE);
	assert_int_equal(m.rs[0].flags, SPOOL_F_DSN_PASSED);
	assert_int_equal(m.rs[1].attempts, 3);
	assert_int_equal(m.rs[1].next, 1800000000);
	assert_int_equal(m.hold, 1);
	spool_msg_free(&m);
	assert_int_equal(faccessat(f->dirfd, ID ".st.tmp", F_OK, 0), -1);
}

static void
test_bad_records(void **state)
{
	static const char *bad[] = {
		"R 3 d 1 0 0 0 0: 0: 0:\n",		/* no recipient 3 */
		"R 0 x 1 0 0 0 0: 0: 0:\n",		/* unknown state */
		"R 0 d 1 0 0 0 9:5.1.1 0: 0:\n",	/* length overrun */
		"R 0 d 1 0 0 0 0: 0: 0: extra\n",	/* trailing bytes */
		"R 0 d 99999999999 0 0 0 0: 0: 0:\n",	/* attempts range */
		"R 0 d 1 0 0 0: 0: 0:\n",		/* no flags */
		"Q\n",					/* unknown record */
		"H 2\n",
	};
	struct fix		*f = *state;
	struct spool_msg	 m;
	char			 err[128];
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "%s.st", ID);
		unlinkat(f->dirfd, name, 0);
		append(f, bad[i]);
		assert_int_equal(spool_load(f->dirfd, ID, &m, err,
		    sizeof(err)), -1);
	}
}

/* spool_log() that must fail: ID.st is a directory. */
static void
append_fails(struct fix *f, const char *text)
{
	struct buf	b;

	buf_init(&b, 65536);
	buf_appends(&b, text);
	assert_int_equal(spool_log(f->dirfd, ID, &b, NULL), -1);
	buf_free(&b);
}

/*
 * A failed append (a full disk; here ID.st is a directory) is kept and
 * written before the next append, in order: the later record wins.
 */
static void
test_kept_written_first(void **state)
{
	struct fix		*f = *state;
	struct spool_msg	 m;
	char			 err[128];

	assert_int_equal(mkdirat(f->dirfd, ID ".st", 0700), 0);
	append_fails(f, "R 0 d 1 0 5 0 5:2.0.0 5:local 2:ok\n");
	append_fails(f, "R 1 p 1 1800000000 5 0 5:4.3.1 5:local 4:full\n");
	assert_int_equal(spool_log_kept(), 1);
	assert_int_equal(unlinkat(f->dirfd, ID ".st", AT_REMOVEDIR), 0);
	append(f, "R 1 p 2 1800000600 6 0 5:4.3.1 5:local 4:full\n");
	assert_int_equal(spool_log_kept(), 0);
	assert_int_equal(spool_load(f->dirfd, ID, &m, err, sizeof(err)), 0);
	assert_int_equal(m.rs[0].state, SPOOL_R_DONE);
	assert_int_equal(m.rs[1].attempts, 2);
	assert_int_equal(m.rs[1].next, 1800000600);
	assert_int_equal(m.rs[2].state, SPOOL_R_PENDING);
	spool_msg_free(&m);
}

/* spool_log_retry() writes what was kept once it can. */
static void
test_kept_retry(void **state)
{
	struct fix		*f = *state;
	struct spool_msg	 m;
	char			 err[128];

	assert_int_equal(mkdirat(f->dirfd, ID ".st", 0700), 0);
	append_fails(f, "H 1\n");
	assert_int_equal(spool_log_retry(f->dirfd), 1);
	assert_int_equal(unlinkat(f->dirfd, ID ".st", AT_REMOVEDIR), 0);
	assert_int_equal(spool_log_retry(f->dirfd), 0);
	assert_int_equal(spool_log_kept(), 0);
	assert_int_equal(spool_load(f->dirfd, ID, &m, err, sizeof(err)), 0);
	assert_int_equal(m.hold, 1);
	spool_msg_free(&m);
}

/*
 * A snapshot holds everything, so it drops what was kept; so does the
 * removal of the message, and a retry then recreates no log.
 */
static void
test_kept_dropped(void **state)
{
	struct fix		*f = *state;
	struct spool_msg	 m;
	struct buf		 b;
	char			 err[128];

	assert_int_equal(mkdirat(f->dirfd, ID ".st", 0700), 0);
	append_fails(f, "H 1\n");
	assert_int_equal(unlinkat(f->dirfd, ID ".st", AT_REMOVEDIR), 0);
	buf_init(&b, 65536);
	buf_appends(&b, "R 2 d 1 0 5 0 5:2.0.0 0: 2:ok\n");
	assert_int_equal(spool_compact(f->dirfd, ID, &b), 0);
	buf_free(&b);
	assert_int_equal(spool_log_kept(), 0);
	assert_int_equal(spool_load(f->dirfd, ID, &m, err, sizeof(err)), 0);
	assert_int_equal(m.hold, 0);
	assert_int_equal(m.rs[2].state, SPOOL_R_DONE);
	spool_msg_free(&m);

	assert_int_equal(unlinkat(f->dirfd, ID ".st", 0), 0);
	assert_int_equal(mkdirat(f->dirfd, ID ".st", 0700), 0);
	append_fails(f, "H 1\n");
	assert_int_equal(unlinkat(f->dirfd, ID ".st", AT_REMOVEDIR), 0);
	assert_int_equal(spool_remove(f->dirfd, ID, 0), 0);
	assert_int_equal(spool_log_kept(), 0);
	assert_int_equal(spool_log_retry(f->dirfd), 0);
	assert_int_equal(faccessat(f->dirfd, ID ".st", F_OK, 0), -1);
}

/*
 * spool_remove_new(): a state log this process wrote goes with the
 * message (by spool_log or spool_compact), and a message that never had
 * one is removed without one being looked for.  A log it did not write
 * (another process's, from before a restart) is spool_remove()'s.
 */
static void
test_remove_new(void **state)
{
	struct fix	*f = *state;
	struct buf	 b;

	append(f, "H 1\n");
	assert_int_equal(faccessat(f->dirfd, ID ".st", F_OK, 0), 0);
	assert_int_equal(spool_remove_new(f->dirfd, ID, 0), 0);
	assert_int_equal(faccessat(f->dirfd, ID ".msg", F_OK, 0), -1);
	assert_int_equal(faccessat(f->dirfd, ID ".st", F_OK, 0), -1);

	/* compacted: the same */
	teardown(state);
	setup(state);
	f = *state;
	buf_init(&b, 65536);
	buf_appends(&b, "H 1\n");
	assert_int_equal(spool_compact(f->dirfd, ID, &b), 0);
	buf_free(&b);
	assert_int_equal(spool_remove_new(f->dirfd, ID, 1), 0);
	assert_int_equal(faccessat(f->dirfd, ID ".st", F_OK, 0), -1);

	/* none written: nothing to remove but the message */
	teardown(state);
	setup(state);
	f = *state;
	assert_int_equal(spool_remove_new(f->dirfd, ID, 1), 0);
	assert_int_equal(faccessat(f->dirfd, ID ".msg", F_OK, 0), -1);

	/* written by someone else: spool_remove() finds it */
	teardown(state);
	setup(state);
	f = *state;
	close(openat(f->dirfd, ID ".st", O_WRONLY | O_CREAT, 0600));
	assert_int_equal(spool_remove(f->dirfd, ID, 1), 0);
	assert_int_equal(faccessat(f->dirfd, ID ".st", F_OK, 0), -1);
}

static void
test_names(void **state)
{
	char	id[ENVELOPE_ID_MAX + 1];

	assert_int_equal(spool_msg_name(ID ".msg", id, sizeof(id)), 1);
	assert_string_equal(id, ID);
	assert_int_equal(spool_msg_name(ID ".st", id, sizeof(id)), 0);
	assert_int_equal(spool_msg_name(ID ".tmp", id, sizeof(id)), 0);
	assert_int_equal(spool_msg_name(".msg", id, sizeof(id)), 0);
	assert_int_equal(spool_msg_name(".x.msg", id, sizeof(id)), 0);
}

/* The one place that spells the files' names, and reads them back. */
static void
test_paths(void **state)
{
	static const struct {
		enum spool_file	 kind;
		const char	*name;
		int		 back;	/* spool_file_kind() of it */
	} t[] = {
		{ SPOOL_MSG, ID ".msg", SPOOL_MSG },
		{ SPOOL_ST, ID ".st", SPOOL_ST },
		{ SPOOL_TMP, ID ".tmp", SPOOL_TMP },
		{ SPOOL_ST_TMP, ID ".st.tmp", SPOOL_TMP },
	};
	char	name[SPOOL_NAME_MAX], id[ENVELOPE_ID_MAX + 8];
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(spool_path(ID, t[i].kind, name, sizeof(name)),
		    0);
		assert_string_equal(name, t[i].name);
		assert_int_equal(spool_file_kind(name, id, sizeof(id)),
		    t[i].back);
	}
	assert_int_equal(spool_path(ID, SPOOL_MSG, name, 8), -1);
	assert_int_equal(spool_file_kind(".x.msg", id, sizeof(id)), -1);
	assert_int_equal(spool_file_kind("00000001.free", id, sizeof(id)), -1);
	assert_int_equal(spool_file_kind("noext", id, sizeof(id)), -1);
	assert_int_equal(spool_file_kind(ID ".msg", id, 4), -1);
	assert_int_equal(spool_file_kind(ID ".st", id, sizeof(id)), SPOOL_ST);
	assert_string_equal(id, ID);
}

static void
test_records(void **state)
{
	struct buf	b;

	buf_init(&b, 1024);
	assert_int_equal(spool_rec_hold(&b, 1), 0);
	assert_int_equal(spool_rec_hold(&b, 0), 0);
	assert_int_equal(spool_rec_bounced(&b), 0);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.data, "H 1\nH 0\nB\n", 10);
	buf_free(&b);
}

static ino_t
ino_of(int dirfd, const char *name)
{
	struct stat sb;

	if (fstatat(dirfd, name, &sb, 0) == -1)
		return 0;
	return sb.st_ino;
}

static off_t
size_of(int dirfd, const char *name)
{
	struct stat sb;

	assert_int_equal(fstatat(dirfd, name, &sb, 0), 0);
	return sb.st_size;
}

/* Off: create O_EXCL and unlink, as if there were no pool. */
static void
test_pool_off(void **state)
{
	struct fix	*f = *state;
	int		 fd;

	fd = spool_pool_open(f->dirfd, "X.tmp");
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(spool_pool_open(f->dirfd, "X.tmp"), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(spool_pool_put(f->dirfd, "X.tmp"), 0);
	assert_int_equal(ino_of(f->dirfd, "X.tmp"), 0);
	assert_int_equal(ino_of(f->dirfd, "00000000.free"), 0);
	assert_int_equal(spool_pool_size(), 0);
}

/* A freed file comes back as the next new one: same inode, empty. */
static void
test_pool_reuse(void **state)
{
	struct fix	*f = *state;
	ino_t		 ino;
	int		 fd;

	assert_int_equal(spool_pool_start(f->dirfd), 0);
	fd = spool_pool_open(f->dirfd, "A.tmp");
	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, "secret", 6), 0);
	close(fd);
	ino = ino_of(f->dirfd, "A.tmp");
	assert_int_equal(spool_pool_put(f->dirfd, "A.tmp"), 0);
	assert_int_equal(ino_of(f->dirfd, "A.tmp"), 0);
	assert_int_equal(ino_of(f->dirfd, "00000000.free"), ino);
	assert_int_equal(size_of(f->dirfd, "00000000.free"), 0);
	assert_int_equal(spool_pool_size(), 1);

	/* a name that exists is refused, and the free file kept */
	assert_int_equal(spool_pool_open(f->dirfd, ID ".msg"), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(spool_pool_size(), 1);

	fd = spool_pool_open(f->dirfd, "B.tmp");
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ino_of(f->dirfd, "B.tmp"), ino);
	assert_int_equal(ino_of(f->dirfd, "00000000.free"), 0);
	assert_int_equal(spool_pool_size(), 0);

	/* empty pool: a new file */
	fd = spool_pool_open(f->dirfd, "C.tmp");
	assert_true(fd >= 0);
	close(fd);
	assert_true(ino_of(f->dirfd, "C.tmp") != ino);
}

/* spool_remove() frees ID.msg into the pool when it is on. */
static void
test_pool_remove(void **state)
{
	struct fix	*f = *state;
	ino_t		 ino = ino_of(f->dirfd, ID ".msg");

	assert_int_equal(spool_pool_start(f->dirfd), 0);
	assert_int_equal(spool_remove(f->dirfd, ID, 1), 0);
	assert_int_equal(ino_of(f->dirfd, ID ".msg"), 0);
	assert_int_equal(ino_of(f->dirfd, "00000000.free"), ino);
	assert_int_equal(size_of(f->dirfd, "00000000.free"), 0);
}

/*
 * At start: free files are adopted, numbering goes on after the highest,
 * and a .free name that shares its inode with the queued message (half
 * a rename left by a crash) is dropped without touching the message.
 */
static void
test_pool_adopt(void **state)
{
	struct fix		*f = *state;
	struct spool_msg	 m;
	char			 err[128];
	off_t			 size = size_of(f->dirfd, ID ".msg");
	int			 fd;

	fd = openat(f->dirfd, "00000005.free", O_WRONLY | O_CREAT, 0600);
	close(fd);
	fd = openat(f->dirfd, "00000007.free", O_WRONLY | O_CREAT, 0600);
	close(fd);
	fd = openat(f->dirfd, "junk.free", O_WRONLY | O_CREAT, 0600);
	close(fd);
	assert_int_equal(linkat(f->dirfd, ID ".msg", f->dirfd,
	    "00000009.free", 0), 0);
	assert_int_equal(spool_pool_start(f->dirfd), 0);
	assert_int_equal(spool_pool_size(), 2);
	assert_int_equal(ino_of(f->dirfd, "00000009.free"), 0);
	assert_int_equal(size_of(f->dirfd, ID ".msg"), size);
	assert_int_equal(spool_load(f->dirfd, ID, &m, err, sizeof(err)), 0);
	spool_msg_free(&m);

	/* both adopted files are handed out, never the message */
	fd = spool_pool_open(f->dirfd, "A.tmp");
	close(fd);
	fd = spool_pool_open(f->dirfd, "B.tmp");
	close(fd);
	assert_int_equal(spool_pool_size(), 0);
	assert_int_equal(ino_of(f->dirfd, "00000005.free"), 0);
	assert_int_equal(ino_of(f->dirfd, "00000007.free"), 0);
	assert_int_equal(size_of(f->dirfd, ID ".msg"), size);
	assert_int_equal(spool_pool_put(f->dirfd, "A.tmp"), 0);
	assert_int_not_equal(ino_of(f->dirfd, "0000000A.free"), 0);
}

/* A message in the spool log, by id, beside setup's ID.msg. */
static void
test_log_message(void **state)
{
	struct fix		*f = *state;
	struct seglog_w		 w;
	struct seglog_loc	 loc, loc6;
	struct spool_msg	 m;
	struct envelope		 e;
	struct buf		 b, rec;
	const char		*id = "0123456789ABCDEF02";
	const char		*content = "Subject: log\r\n\r\nin a segment\r\n";
	char			 err[128], got[64], **ids;
	uint8_t			 done[SEGLOG_DONE_LEN];
	uint64_t		 off;
	size_t			 n;
	int			 sfd, fd;

	envelope_init(&e);
	strcpy(e.id, id);
	strcpy(e.sender, "s@example.test");
	envelope_add_rcpt(&e, "a@one.test");
	buf_init(&b, 65536);
	assert_int_equal(envelope_format(&e, &b), 0);
	sfd = seglog_stage_get(f->dirfd);
	assert_int_equal(util_write_all(sfd, content, strlen(content)), 0);
	assert_int_equal(seglog_w_open(&w, f->dirfd, 5, SEGLOG_SEG_MAX), 0);
	/* a first record of another message, so that ours is not at 0 */
	assert_int_equal(seglog_w_append(&w, b.data, (uint32_t)b.len, sfd,
	    3, &loc), 0);
	assert_int_equal(seglog_w_append(&w, b.data, (uint32_t)b.len, sfd,
	    strlen(content), &loc), 0);
	assert_int_equal(seglog_w_sync(&w), 0);
	seglog_stage_put(sfd, UINT64_MAX);
	assert_int_equal(spool_index_add(id, &loc), 0);
	/* the same id again (in segment 6): refused, yet it keeps its
	   segment from being reclaimed, since it may have had its 250 */
	loc6 = loc;
	loc6.segno = 6;
	fd = openat(f->dirfd, "0000000000000006.seg", O_WRONLY | O_CREAT,
	    0600);
	close(fd);
	assert_int_equal(spool_index_add(id, &loc6), -1);
	assert_int_equal(errno, EEXIST);
	spool_index_seal(f->dirfd, 6);
	assert_int_equal(faccessat(f->dirfd, "0000000000000006.seg", F_OK, 0),
	    0);
	assert_int_equal(spool_msg_access(f->dirfd, id), 0);
	assert_int_equal(spool_load(f->dirfd, id, &m, err, sizeof(err)), 0);
	assert_string_equal(m.env.rcpt[0].addr, "a@one.test");
	assert_int_equal(m.content_off, SEGLOG_CONTENT_OFF(&loc));
	assert_int_equal(m.content_len, strlen(content));
	assert_int_equal(m.rs[0].state, SPOOL_R_PENDING);
	fd = spool_open_msg(f->dirfd, id);
	assert_true(fd != -1);
	assert_int_equal(pread(fd, got, m.content_len, (off_t)m.content_off),
	    (ssize_t)strlen(content));
	assert_memory_equal(got, content, strlen(content));
	close(fd);
	spool_msg_free(&m);
	/* a state log beside it, as for an ID.msg */
	buf_init(&rec, 4096);
	spool_rec_hold(&rec, 1);
	assert_int_equal(spool_log(f->dirfd, id, &rec, NULL), 0);
	assert_int_equal(spool_list_ids(f->dirfd, &ids, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], ID);
	assert_string_equal(ids[1], id);
	spool_free_ids(ids, n);
	/* removed: marked done, the state log gone; the segment stays
	   while the writer may still add to it */
	assert_int_equal(spool_remove(f->dirfd, id, 1), 0);
	assert_false(spool_index_find(id, NULL));
	assert_int_equal(spool_msg_access(f->dirfd, id), -1);
	assert_int_equal(faccessat(f->dirfd, "0123456789ABCDEF02.st", F_OK,
	    0), -1);
	fd = openat(f->dirfd, "0000000000000005.done", O_RDONLY);
	assert_int_equal(read(fd, done, sizeof(done)), SEGLOG_DONE_LEN);
	close(fd);
	assert_int_equal(seglog_done_decode(done, &off), 0);
	assert_int_equal(off, loc.off);
	assert_int_equal(faccessat(f->dirfd, "0000000000000005.seg", F_OK, 0),
	    0);
	/* the writer leaves it, and nothing in it is live: reclaimed */
	seglog_w_close(&w);
	spool_index_seal(f->dirfd, 5);
	assert_int_equal(faccessat(f->dirfd, "0000000000000005.seg", F_OK, 0),
	    -1);
	assert_int_equal(faccessat(f->dirfd, "0000000000000005.done", F_OK,
	    0), -1);
	spool_index_clear();
	seglog_stage_clear();
	buf_free(&rec);
	buf_free(&b);
	envelope_free(&e);
}

static size_t
open_fds(void)
{
	DIR		*d = opendir("/proc/self/fd");
	struct dirent	*de;
	size_t		 n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * Done lists stay open between marks, 16 at most: marks in 20 segments,
 * twice round, land in the right list, in order, with no more than 16
 * descriptors held, and none once the index is cleared.
 */
static void
test_done_lists_open(void **state)
{
	struct fix		*f = *state;
	struct seglog_loc	 loc;
	char			 id[32], name[64];
	uint8_t			 d[2 * SEGLOG_DONE_LEN];
	uint64_t		 off;
	size_t			 n0 = open_fds(), seg, k;
	int			 fd;

	memset(&loc, 0, sizeof(loc));
	for (seg = 1; seg <= 20; seg++)
		for (k = 0; k < 3; k++) {
			snprintf(id, sizeof(id), "00000000000000%02zX%02zX",
			    seg, k);
			loc.segno = seg;
			loc.off = 100 * k;
			assert_int_equal(spool_index_add(id, &loc), 0);
		}
	for (k = 0; k < 2; k++)
		for (seg = 1; seg <= 20; seg++) {
			snprintf(id, sizeof(id), "00000000000000%02zX%02zX",
			    seg, k);
			assert_int_equal(spool_index_remove(f->dirfd, id, 0),
			    0);
			assert_true(open_fds() <= n0 + 16);
		}
	for (seg = 1; seg <= 20; seg++) {
		snprintf(name, sizeof(name), "%016zX.done", seg);
		fd = openat(f->dirfd, name, O_RDONLY);
		assert_true(fd != -1);
		assert_int_equal(read(fd, d, sizeof(d)), sizeof(d));
		close(fd);
		assert_int_equal(seglog_done_decode(d, &off), 0);
		assert_int_equal(off, 0);
		assert_int_equal(seglog_done_decode(d + SEGLOG_DONE_LEN,
		    &off), 0);
		assert_int_equal(off, 100);
	}
	spool_index_clear();
	assert_int_equal(open_fds(), n0);
}

/* A view of a file from any offset: the map starts on a page. */
static void
test_map(void **state)
{
	struct fix		*f = *state;
	struct spool_map	 m;
	char			 b[9000];
	size_t			 i;
	int			 fd;

	for (i = 0; i < sizeof(b); i++)
		b[i] = (char)('A' + i % 23);
	fd = openat(f->dirfd, "map", O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(util_write_all(fd, b, sizeof(b)), 0);
	assert_int_equal(spool_map(fd, 5001, 3000, &m), 0);
	assert_memory_equal(m.p, b + 5001, 3000);
	spool_unmap(&m);
	assert_int_equal(spool_map(fd, 0, sizeof(b), &m), 0);
	assert_memory_equal(m.p, b, sizeof(b));
	spool_unmap(&m);
	assert_int_equal(spool_map(fd, 100, 0, &m), 0);
	assert_null(m.p);
	spool_unmap(&m);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records_roundtrip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cut_record_ignored, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_records, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_compact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_written_first, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kept_retry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kept_dropped, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_remove_new, setup,
		    teardown),
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_done_lists_open, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_message, setup,
		    teardown),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_records),
		cmocka_unit_test_setup_teardown(test_pool_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_reuse, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pool_remove, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pool_adopt, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
