/*
 * maildir: see maildir.h.  Delivery follows the Maildir protocol and the
 * durable-write rule of STYLE §7: the file is created unnamed in new/
 * (O_TMPFILE: no reader can see it, and a crash leaves nothing), or,
 * where the file system or a missing /proc does not allow that, with
 * O_EXCL in tmp/ under a name no other delivery can pick; written,
 * fsync'd, then hard-linked into new/ (linkat(2) through /proc for the
 * unnamed one; link(2) refuses to replace a file, unlike rename(2),
 * which is only the fallback for file systems without hard links) and
 * closed (close(2) can report ENOSPC or EDQUOT on network file
 * systems), and new/ is fsync'd so the directory entry is on disk too.
 * An unnamed file saves the directory two of its three changes (the
 * tmp/ entry and its removal), which is what twenty delivery threads
 * writing into one Maildir wait on.
 *
 * Every failure path goes through one label that closes and unlinks what
 * was made and restores errno, so the caller sees the errno of the call
 * that failed.  Directories this creates are made 0700 and their parent
 * fsync'd; directories that already exist are left as they are.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "queue/maildir.h"

#define MAILDIR_COPY	65536		/* pread/write chunk */
#define MAILDIR_HOST	256		/* gethostname(2) result */
#define MAILDIR_KNOWN	16		/* Maildirs known made, a thread */

static const char *const maildir_subdirs[] = { "tmp", "new", "cur" };

static void	maildir_err(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	maildir_fsync_parent(const char *);
static int	maildir_mkdir(const char *);
static int	maildir_mkdirs(const char *);
static int	maildir_prepare(const char *, char *, size_t);
static void	maildir_host(char *, size_t);
static int	maildir_unique(char *, size_t, const char *, uint64_t);
static int	maildir_find(const char *, const char *, char *, size_t);
static int	maildir_copy(int, const char *, size_t, int, uint64_t,
		    uint64_t);
static int	maildir_write(struct maildir_item *, int, const char *,
		    size_t, int, uint64_t, uint64_t);
static int	maildir_sync(struct maildir_item *);
static int	maildir_anon_ok(void);
static int	maildir_link_failed(struct maildir_item *);
static int	maildir_known(const char *, int);
static int	maildir_publish(const char *, const char *);
static int	maildir_component(const char *, size_t, char *, size_t);
static int	maildir_local(const char *, size_t, char *, size_t);

/* The reason, with strerror(errno); errno is left as it was. */
static void
maildir_err(char *err, size_t errsz, const char *fmt, ...)
{
	char	what[PATH_MAX + 64];
	va_list	ap;
	int	saved = errno;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	(void)snprintf(err, errsz, "%s: %s", what, strerror(saved));
	errno = saved;
}

/* Directories. */

static int
maildir_fsync_parent(const char *dir)
{
	char	parent[PATH_MAX];
	char	*slash;

	if (util_strlcpy(parent, dir, sizeof(parent)) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((slash = strrchr(parent, '/')) == NULL)
		return util_fsync_dir(".");
	if (slash == parent)
		slash++;		/* "/x": the parent is "/" */
	*slash = '\0';
	return util_fsync_dir(parent);
}

/* One directory: made 0700 (parent fsync'd), or already a directory. */
static int
maildir_mkdir(const char *dir)
{
	struct stat	st;

	if (mkdir(dir, 0700) == 0)
		return maildir_fsync_parent(dir);
	if (errno != EEXIST)
		return -1;
	if (stat(dir, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* mkdir -p: each missing component of path, then path. */
static int
maildir_mkdirs(const char *path)
{
	char	dir[PATH_MAX];
	char	*p;

	if (util_strlcpy(dir, path, sizeof(dir)) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (maildir_mkdir(dir) == -1)
			return -1;
		*p = '/';
	}
	return maildir_mkdir(dir);
}

/* tmp/ new/ cur/; the Maildir and its parents only when missing. */
static int
maildir_prepare(const char *path, char *err, size_t errsz)
{
	char	sub[PATH_MAX];
	size_t	i;

	for (i = 0; i < 3; i++) {
		if (util_snprintf(sub, sizeof(sub), "%s/%s", path,
		    maildir_subdirs[i]) == -1) {
			errno = ENAMETOOLONG;
			maildir_err(err, errsz, "%s", path);
			return -1;
		}
		if (maildir_mkdir(sub) == 0)
			continue;
		if (errno != ENOENT || maildir_mkdirs(sub) == -1) {
			maildir_err(err, errsz, "mkdir %s", sub);
			return -1;
		}
	}
	return 0;
}

/* Unique names. */

/* Host name with '/' and ':' escaped, as the Maildir convention asks. */
static void
maildir_host(char *out, size_t outsz)
{
	char	host[MAILDIR_HOST + 1];
	size_t	i, o = 0;

	if (gethostname(host, sizeof(host) - 1) == -1 || host[0] == '\0')
		(void)util_strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	for (i = 0; host[i] != '\0' && o + 5 < outsz; i++) {
		if (host[i] == '/' || host[i] == ':') {
			memcpy(out + o, host[i] == '/' ? "\\057" : "\\072", 4);
			o += 4;
		} else
			out[o++] = host[i];
	}
	out[o] = '\0';
}

/*
 * TIME.M<usec>P<pid>R<random hex>.HOST,S=<size>, or KEY.HOST,S=<size>
 * when the caller names the delivery (maildir_deliver_once).
 */
static int
maildir_unique(char *out, size_t outsz, const char *key, uint64_t size)
{
	char		host[4 * MAILDIR_HOST + 1];
	struct timeval	tv;
	int		r;

	maildir_host(host, sizeof(host));
	if (key != NULL)
		r = util_snprintf(out, outsz, "%s.%s,S=%llu", key, host,
		    (unsigned long long)size);
	else {
		gettimeofday(&tv, NULL);
		r = util_snprintf(out, outsz, "%lld.M%06ldP%ldR%016llx.%s,"
		    "S=%llu", (long long)tv.tv_sec, (long)tv.tv_usec,
		    (long)getpid(), (unsigned long long)util_random_u64(),
		    host, (unsigned long long)size);
	}
	if (r == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * Is a file named "KEY." something in new/ or cur/?  A reader that saw
 * the message moved it to cur/ and appended ":2,FLAGS"; the host part
 * may differ if the machine was renamed.  1 (its name in found), 0, or
 * -1 when a directory cannot be read (then nothing may be written: a
 * second copy is what this check is for).
 */
static int
maildir_find(const char *path, const char *key, char *found,
    size_t foundsz)
{
	static const char *const where[] = { "new", "cur" };
	char		 dir[PATH_MAX];
	struct dirent	*de;
	size_t		 klen = strlen(key), i;
	DIR		*d;

	for (i = 0; i < 2; i++) {
		if (util_snprintf(dir, sizeof(dir), "%s/%s", path,
		    where[i]) == -1) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if ((d = opendir(dir)) == NULL)
			return -1;
		errno = 0;
		while ((de = readdir(d)) != NULL)
			if (strncmp(de->d_name, key, klen) == 0 &&
			    de->d_name[klen] == '.') {
				(void)util_snprintf(found, foundsz, "%s/%s",
				    where[i], de->d_name);
				closedir(d);
				return 1;
			}
		if (errno != 0) {
			closedir(d);
			return -1;
		}
		closedir(d);
	}
	return 0;
}

/* Writing. */

/* prefix, then len bytes of in from off; EIO if in ends before that. */
static int
maildir_copy(int out, const char *prefix, size_t prefix_len, int in,
    uint64_t off, uint64_t len)
{
	char	buf[MAILDIR_COPY];
	size_t	want;

	if (prefix_len > 0 && util_write_all(out, prefix, prefix_len) == -1)
		return -1;
	while (len > 0) {
		want = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		if (util_pread_all(in, buf, want, off) == -1 ||
		    util_write_all(out, buf, want) == -1)
			return -1;
		off += want;
		len -= want;
	}
	return 0;
}

/*
 * The file created (unnamed in new/, or tmp/UNIQUE) and written, its fd
 * kept open for maildir_sync(),
 * its write-out started (sync_file_range) so that the syncs of a batch
 * wait for writes already under way; removed again on failure.
 */
static int
maildir_write(struct maildir_item *it, int keyed, const char *prefix,
    size_t prefix_len, int in, uint64_t off, uint64_t len)
{
	int	fd, saved;

	/* unnamed in new/ until linked there, where /proc can name it */
	it->anon = 0;
	if (maildir_anon_ok() &&
	    (fd = open(it->newdir, O_TMPFILE | O_WRONLY | O_CLOEXEC,
	    0600)) != -1)
		it->anon = 1;
	else
		fd = open(it->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	/* a named delivery's own earlier try, cut short by a crash */
	if (fd == -1 && errno == EEXIST && keyed && unlink(it->tmp) == 0)
		fd = open(it->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd == -1) {
		maildir_err(it->err, sizeof(it->err), "create %s", it->tmp);
		return -1;
	}
	if (maildir_copy(fd, prefix, prefix_len, in, off, len) == -1) {
		maildir_err(it->err, sizeof(it->err), "write %s", it->tmp);
		saved = errno;
		close(fd);
		if (!it->anon)
			unlink(it->tmp);
		errno = saved;
		return -1;
	}
	(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	it->fd = fd;
	return 0;
}

/*
 * The staged file on disk and closed (close(2) can report ENOSPC or
 * EDQUOT on network file systems), then linked into new/: an unnamed
 * one (O_TMPFILE) through /proc before it is closed, a tmp/ one after.
 */
static int
maildir_sync(struct maildir_item *it)
{
	char	self[64];
	int	fd = it->fd, saved;

	it->fd = -1;
	if (fsync(fd) == -1) {
		maildir_err(it->err, sizeof(it->err), "write %s", it->tmp);
		goto fail_fd;
	}
	if (it->anon) {
		(void)snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, self, AT_FDCWD, it->dst,
		    AT_SYMLINK_FOLLOW) == -1) {
			saved = errno;
			close(fd);
			errno = saved;
			return maildir_link_failed(it);
		}
		if (close(fd) == -1) {
			maildir_err(it->err, sizeof(it->err), "close %s",
			    it->dst);
			saved = errno;
			unlink(it->dst);
			errno = saved;
			return -1;
		}
		return 0;
	}
	if (close(fd) == -1) {
		maildir_err(it->err, sizeof(it->err), "close %s", it->tmp);
		goto fail;
	}
	if (maildir_publish(it->tmp, it->dst) == 0)
		return 0;
	saved = errno;
	unlink(it->tmp);
	errno = saved;
	return maildir_link_failed(it);
fail_fd:
	saved = errno;
	close(fd);
	errno = saved;
fail:
	if (!it->anon) {
		saved = errno;
		unlink(it->tmp);
		errno = saved;
	}
	return -1;
}

/* The link into new/ failed (errno): the same named delivery is already
   there, whole (1), or a failure (-1). */
static int
maildir_link_failed(struct maildir_item *it)
{
	if (errno == EEXIST && it->keyed)
		return 1;
	maildir_err(it->err, sizeof(it->err), "link %s", it->dst);
	return -1;
}

/*
 * Can a file made with O_TMPFILE be linked by its /proc name?  Once per
 * process: the queue process is not chrooted, but a test or a container
 * may lack /proc; then every delivery goes through tmp/.
 */
static int
maildir_anon_ok(void)
{
	static int	ok = -1;

	if (ok == -1)
		ok = access("/proc/self/fd", X_OK) == 0;
	return ok;
}

/* tmp -> new without replacing anything; rename where links fail. */
static int
maildir_publish(const char *tmp, const char *dst)
{
	int	saved;

	if (link(tmp, dst) == 0) {
		saved = errno;
		(void)unlink(tmp);
		errno = saved;
		return 0;
	}
	if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS)
		return -1;
	return rename(tmp, dst);
}

int
maildir_deliver(const char *path, const char *prefix, size_t prefix_len,
    int fd, uint64_t off, uint64_t len, char *name, size_t namesz,
    char *err, size_t errsz)
{
	return maildir_deliver_once(path, NULL, 0, prefix, prefix_len, fd,
	    off, len, name, namesz, err, errsz);
}

int
maildir_deliver_once(const char *path, const char *key, int recheck,
    const char *prefix, size_t prefix_len, int fd, uint64_t off,
    uint64_t len, char *name, size_t namesz, char *err, size_t errsz)
{
	struct maildir_item	*it;
	int			 r, saved;

	if ((it = malloc(sizeof(*it))) == NULL) {
		maildir_err(err, errsz, "maildir_deliver");
		return -1;
	}
	r = maildir_stage(it, path, key, recheck, prefix, prefix_len, fd,
	    off, len);
	if (r != -1 && name != NULL && strlen(it->name) >= namesz) {
		/* the caller could not be told the name: nothing done */
		if (it->fd != -1) {
			close(it->fd);
			if (!it->anon)
				unlink(it->tmp);
		}
		it->name[0] = '\0';
		errno = it->error = ENAMETOOLONG;
		maildir_err(it->err, sizeof(it->err), "%s: file name", path);
		r = -1;
	} else if (r == 0) {
		maildir_commit(it, 1);
		r = it->rc;
	}
	saved = r == -1 ? it->error : 0;
	if (name != NULL && namesz > 0)
		(void)util_strlcpy(name, it->name, namesz);
	if (err != NULL && errsz > 0)
		(void)util_strlcpy(err, it->err, errsz);
	free(it);
	errno = saved;
	return r;
}

int
maildir_stage(struct maildir_item *it, const char *path, const char *key,
    int recheck, const char *prefix, size_t prefix_len, int fd,
    uint64_t off, uint64_t len)
{
	char	uniq[NAME_MAX + 1], found[NAME_MAX + 8];
	int	r, known;

	it->name[0] = it->err[0] = '\0';
	it->fd = -1;
	it->rc = -1;
	it->error = 0;
	it->keyed = key != NULL;
	if ((prefix == NULL && prefix_len > 0) || off > INT64_MAX ||
	    len > INT64_MAX - off || len > UINT64_MAX - prefix_len ||
	    (key != NULL && (key[0] == '\0' || key[0] == '.' ||
	    strpbrk(key, "/:") != NULL))) {
		errno = EINVAL;
		maildir_err(it->err, sizeof(it->err), "maildir_deliver");
		return it->error = errno, -1;
	}
	known = maildir_known(path, 0);
	if (!known && maildir_prepare(path, it->err, sizeof(it->err)) == -1)
		return it->error = errno, -1;
	if (maildir_unique(uniq, sizeof(uniq), key, prefix_len + len) == -1 ||
	    util_snprintf(it->tmp, sizeof(it->tmp), "%s/tmp/%s", path,
	    uniq) == -1 ||
	    util_snprintf(it->dst, sizeof(it->dst), "%s/new/%s", path,
	    uniq) == -1 ||
	    util_snprintf(it->newdir, sizeof(it->newdir), "%s/new",
	    path) == -1 ||
	    util_snprintf(it->name, sizeof(it->name), "%s%s", key != NULL ?
	    "new/" : "", uniq) == -1) {
		errno = ENAMETOOLONG;
		maildir_err(it->err, sizeof(it->err), "%s: file name", path);
		it->name[0] = '\0';
		return it->error = errno, -1;
	}
	if (key != NULL && recheck) {
		r = maildir_find(path, key, found, sizeof(found));
		if (r == -1 && errno == ENOENT && known) {
			/* removed since this thread made it: nothing in it */
			(void)maildir_known(path, -1);
			known = 0;
			if (maildir_prepare(path, it->err, sizeof(it->err)) ==
			    -1)
				return it->error = errno, -1;
			r = maildir_find(path, key, found, sizeof(found));
		}
		if (r == -1) {
			maildir_err(it->err, sizeof(it->err), "%s: look for %s",
			    path, key);
			return it->error = errno, -1;
		}
		if (r == 1) {
			/* a crash between link(2) and unlink(2) left both */
			(void)unlink(it->tmp);
			(void)util_strlcpy(it->name, found, sizeof(it->name));
			return it->rc = 1;
		}
		/* an earlier try's tmp/ file, cut short by a crash (an
		   unnamed one leaves nothing) */
		(void)unlink(it->tmp);
	}
	r = maildir_write(it, key != NULL, prefix, prefix_len, fd, off, len);
	/* made by this thread before, and removed since: made again */
	if (r == -1 && errno == ENOENT && known) {
		(void)maildir_known(path, -1);
		if (maildir_prepare(path, it->err, sizeof(it->err)) == -1)
			return it->error = errno, -1;
		r = maildir_write(it, key != NULL, prefix, prefix_len, fd, off,
		    len);
	}
	if (r == -1)
		return it->error = errno, -1;
	(void)maildir_known(path, 1);
	return 0;
}

/*
 * The Maildirs this thread made sure of lately (tmp/ new/ cur/ there),
 * by a hash of their path: six system calls a delivery fewer.  A
 * Maildir removed behind our back makes the write fail with ENOENT,
 * and the caller prepares it again; a hash collision ends the same
 * way.  op 0: is path known; 1: remember it; -1: forget it.
 */
static int
maildir_known(const char *path, int op)
{
	static __thread uint32_t	seen[MAILDIR_KNOWN];
	static __thread unsigned	next;
	uint32_t			h = util_hash_str(path) | 1;
	unsigned			i;

	for (i = 0; i < MAILDIR_KNOWN; i++)
		if (seen[i] == h) {
			if (op == -1)
				seen[i] = 0;
			return 1;
		}
	if (op == 1)
		seen[next++ % MAILDIR_KNOWN] = h;
	return 0;
}

void
maildir_commit(struct maildir_item *its, size_t n)
{
	size_t	i, k;
	int	saved;

	for (i = 0; i < n; i++)
		if (its[i].fd != -1 &&
		    (its[i].rc = maildir_sync(&its[i])) == -1)
			its[i].error = errno;
	/* each new/ once, after every link into it */
	for (i = 0; i < n; i++) {
		if (its[i].rc != 0)
			continue;
		for (k = 0; k < i; k++)
			if (its[k].rc == 0 && strcmp(its[k].newdir,
			    its[i].newdir) == 0)
				break;
		if (k < i)
			continue;	/* synced with an earlier one */
		if (util_fsync_dir(its[i].newdir) == 0)
			continue;
		saved = errno;
		/* not on disk: none of those links may be reported */
		for (k = i; k < n; k++)
			if (its[k].rc == 0 && strcmp(its[k].newdir,
			    its[i].newdir) == 0) {
				maildir_err(its[k].err, sizeof(its[k].err),
				    "fsync %s", its[k].newdir);
				unlink(its[k].dst);
				its[k].rc = -1;
				its[k].error = saved;
			}
	}
}

/* Paths. */

/*
 * One path component, lower-cased: not empty, not hidden (so not "."
 * or ".."), and free of separators, quoting, spaces and controls.
 * 8-bit bytes (UTF-8 addresses, RFC 6531) are kept.
 */
static int
maildir_component(const char *s, size_t n, char *out, size_t outsz)
{
	size_t		i;
	unsigned char	c;

	if (n == 0 || n >= outsz || s[0] == '.')
		return -1;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c <= ' ' || c == 0x7f || strchr("/\\@\"", c) != NULL)
			return -1;
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out[n] = '\0';
	return 0;
}

/* A quoted local part loses its quotes if what is inside is safe. */
static int
maildir_local(const char *s, size_t n, char *out, size_t outsz)
{
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	return maildir_component(s, n, out, outsz);
}

int
maildir_path(const char *datadir, const char *address, char *out,
    size_t outsz)
{
	char		 local[MAILDIR_LOCAL_MAX + 1];
	char		 domain[MAILDIR_DOMAIN_MAX + 1];
	const char	*at;

	if (outsz > 0)
		out[0] = '\0';
	if (datadir == NULL || datadir[0] == '\0' || address == NULL ||
	    (at = strrchr(address, '@')) == NULL ||
	    maildir_local(address, (size_t)(at - address), local,
	    sizeof(local)) == -1 ||
	    maildir_component(at + 1, strlen(at + 1), domain,
	    sizeof(domain)) == -1) {
		errno = EINVAL;
		return -1;
	}
	if (util_snprintf(out, outsz, "%s/mail/%s/%s/Maildir", datadir,
	    domain, local) == -1) {
		if (outsz > 0)
			out[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}
