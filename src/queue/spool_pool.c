/*
 * spool_pool: reuse the inodes of finished message files (spool.h).
 *
 * Why: on ext4 without a journal (the default of many VM images, and the
 * machine our benchmarks run on) creating a file searches the inode
 * bitmap of the directory's block group from its start and skips, with
 * one buffer-cache lookup each, every inode freed in the last seconds
 * (minutes while its inode-table block is still dirty).  A spool that
 * creates and removes thousands of files a second makes each create skip
 * thousands of them: perf put half of all server CPU in
 * recently_deleted() and find_get_block_common() under openat(O_CREAT).
 *
 * So, in the queue process, a finished message file is not unlinked: it
 * is renamed to NNNNNNNN.free in the same directory and truncated, and a
 * new message takes such a file by renaming it to ID.tmp.  Only when none
 * is free is a file created.  Everything stays in one directory so that
 * the commit's one directory fsync covers both names of a rename.
 *
 * Crashes: a .free file is never part of a message, so losing one is
 * harmless.  Without a journal a crash can leave a rename half on disk,
 * two names for one inode; at start a .free name that shares its inode
 * with another name is never adopted (and is removed only when the link
 * count says the other name keeps the file alive), so a queued message is
 * never truncated.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "queue/spool.h"

static struct {
	pthread_mutex_t	 lock;
	int		 on;
	int		 dirfd;
	uint32_t	*free;		/* numbers of free files, a stack */
	size_t		 n;
	uint32_t	 next;		/* next number to name a file */
} P = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void
pool_name(char *out, size_t outsz, uint32_t num)
{
	snprintf(out, outsz, "%08" PRIX32 ".free", num);
}

/* "NNNNNNNN.free": 1 with the number, else 0. */
static int
pool_parse(const char *name, uint32_t *num)
{
	char	*end;
	unsigned long v;

	if (strlen(name) != 13 || strcmp(name + 8, ".free") != 0 ||
	    strspn(name, "0123456789ABCDEF") != 8)
		return 0;
	v = strtoul(name, &end, 16);
	if (end != name + 8)
		return 0;
	*num = (uint32_t)v;
	return 1;
}

static int
ino_cmp(const void *a, const void *b)
{
	ino_t x = *(const ino_t *)a, y = *(const ino_t *)b;

	return x < y ? -1 : x > y;
}

struct cand {
	uint32_t	num;
	ino_t		ino;
};

int
spool_pool_start(int dirfd)
{
	DIR		*d;
	struct dirent	*de;
	struct cand	*c = NULL, *nc;
	ino_t		*inos = NULL, *ni;
	size_t		 nc_n = 0, nc_cap = 0, ni_n = 0, ni_cap = 0, i;
	uint32_t	 num;
	int		 fd, rc = -1;

	spool_pool_stop();
	P.next = 0;
	if ((P.free = calloc(SPOOL_POOL_MAX, sizeof(*P.free))) == NULL)
		return -1;
	if ((fd = dup(dirfd)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	rewinddir(d);	/* a dup shares the offset of dirfd */
	while ((de = readdir(d)) != NULL) {
		if (pool_parse(de->d_name, &num)) {
			if (nc_n == nc_cap) {
				nc_cap = nc_cap ? nc_cap * 2 : 64;
				if ((nc = reallocarray(c, nc_cap,
				    sizeof(*c))) == NULL)
					goto done;
				c = nc;
			}
			c[nc_n].num = num;
			c[nc_n++].ino = de->d_ino;
		} else if (de->d_name[0] != '.') {
			if (ni_n == ni_cap) {
				ni_cap = ni_cap ? ni_cap * 2 : 256;
				if ((ni = reallocarray(inos, ni_cap,
				    sizeof(*inos))) == NULL)
					goto done;
				inos = ni;
			}
			inos[ni_n++] = de->d_ino;
		}
	}
	if (ni_n > 0)
		qsort(inos, ni_n, sizeof(*inos), ino_cmp);
	for (i = 0; i < nc_n; i++) {
		char		name[32];
		struct stat	sb;

		pool_name(name, sizeof(name), c[i].num);
		if (c[i].num >= P.next)
			P.next = c[i].num + 1;
		if (ni_n > 0 && bsearch(&c[i].ino, inos, ni_n,
		    sizeof(*inos), ino_cmp) != NULL) {
			/* half a rename survived a crash: the other name
			   is the file; never hand this one out */
			if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
			    sb.st_nlink > 1)
				unlinkat(dirfd, name, 0);
			else
				log_warnx("spool: %s shares its inode with "
				    "another file; left alone (run fsck)",
				    name);
			continue;
		}
		if (P.n < SPOOL_POOL_MAX)
			P.free[P.n++] = c[i].num;
		else
			unlinkat(dirfd, name, 0);
	}
	P.dirfd = dirfd;
	P.on = 1;
	rc = 0;
done:
	closedir(d);
	free(c);
	free(inos);
	return rc;
}

void
spool_pool_stop(void)
{
	pthread_mutex_lock(&P.lock);
	P.on = 0;
	free(P.free);
	P.free = NULL;
	P.n = 0;
	pthread_mutex_unlock(&P.lock);
}

size_t
spool_pool_size(void)
{
	size_t	n;

	pthread_mutex_lock(&P.lock);
	n = P.n;
	pthread_mutex_unlock(&P.lock);
	return n;
}

int
spool_pool_open(int dirfd, const char *name)
{
	char		free_name[32];
	uint32_t	num;
	int		fd, have = 0;

	pthread_mutex_lock(&P.lock);
	if (P.on && dirfd == P.dirfd && P.n > 0) {
		num = P.free[--P.n];
		have = 1;
	}
	pthread_mutex_unlock(&P.lock);
	if (!have)
		return openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0600);
	pool_name(free_name, sizeof(free_name), num);
	if (renameat2(dirfd, free_name, dirfd, name, RENAME_NOREPLACE) == -1) {
		int saved = errno;

		if (saved == EEXIST) {		/* name taken: keep the file */
			pthread_mutex_lock(&P.lock);
			if (P.on && P.n < SPOOL_POOL_MAX)
				P.free[P.n++] = num;
			else
				unlinkat(dirfd, free_name, 0);
			pthread_mutex_unlock(&P.lock);
		} else if (saved != ENOENT)
			unlinkat(dirfd, free_name, 0);
		if (saved != EEXIST)	/* the pool failed us: create */
			return openat(dirfd, name, O_WRONLY | O_CREAT |
			    O_EXCL | O_CLOEXEC, 0600);
		errno = saved;
		return -1;
	}
	/* truncated when it was freed; O_TRUNC in case that failed */
	if ((fd = openat(dirfd, name, O_WRONLY | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		int saved = errno;

		unlinkat(dirfd, name, 0);
		errno = saved;
	}
	return fd;
}

int
spool_pool_put(int dirfd, const char *name)
{
	char		free_name[32];
	uint32_t	num;
	int		fd, take = 0;

	pthread_mutex_lock(&P.lock);
	if (P.on && dirfd == P.dirfd && P.n < SPOOL_POOL_MAX) {
		num = P.next++;
		take = 1;
	}
	pthread_mutex_unlock(&P.lock);
	if (!take)
		return unlinkat(dirfd, name, 0);
	pool_name(free_name, sizeof(free_name), num);
	if (renameat2(dirfd, name, dirfd, free_name, RENAME_NOREPLACE) == -1)
		return errno == ENOENT ? -1 : unlinkat(dirfd, name, 0);
	/* no old message lingers on disk, and the space is given back */
	if ((fd = openat(dirfd, free_name, O_WRONLY | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		unlinkat(dirfd, free_name, 0);
		return 0;
	}
	close(fd);
	pthread_mutex_lock(&P.lock);
	if (P.on && P.n < SPOOL_POOL_MAX)
		P.free[P.n++] = num;
	else
		unlinkat(dirfd, free_name, 0);
	pthread_mutex_unlock(&P.lock);
	return 0;
}
