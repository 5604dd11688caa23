/*
 * util: see util.h.  Nothing here logs; callers report failures with the
 * errno these functions leave behind.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"

static int	util_sync_close(int, int);
static int	util_may_search(const struct stat *, const struct passwd *,
		    const gid_t *, int);

int
util_random(void *p, size_t n)
{
	unsigned char	*b = p;
	ssize_t		 r;

	while (n > 0) {
		r = getrandom(b, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

uint64_t
util_random_u64(void)
{
	uint64_t	v = 0;

	if (util_random(&v, sizeof(v)) == -1)
		abort();	/* no entropy: nothing safe to do */
	return v;
}

uint32_t
util_hash_str(const char *s)
{
	uint32_t	h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

uint64_t
util_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
util_time_utc(int64_t t, char *out, size_t outsz)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, outsz, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		util_strlcpy(out, "-", outsz);
}

uint64_t
util_monotonic_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

size_t
util_u64_dec(uint64_t v, char *out)
{
	char	tmp[UTIL_U64_DIG];
	size_t	n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

void
util_hex(const void *p, size_t n, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*b = p;
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

void
util_lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

int
util_fd_nonblock(int fd)
{
	int	fl = fcntl(fd, F_GETFL);

	if (fl == -1)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int
util_fd_cloexec(int fd)
{
	int	fl = fcntl(fd, F_GETFD);

	if (fl == -1)
		return -1;
	return fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

int
util_strlcpy(char *dst, const char *src, size_t dstsz)
{
	size_t	n = strlen(src);

	if (dstsz == 0)
		return -1;
	if (n >= dstsz) {
		dst[0] = '\0';
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

int
util_snprintf(char *dst, size_t dstsz, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(dst, dstsz, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= dstsz)
		return -1;
	return 0;
}

void
util_addr_str(const struct sockaddr *sa, char *out, size_t outsz)
{
	const void	*a;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	else {
		util_strlcpy(out, "local", outsz);
		return;
	}
	if (inet_ntop(sa->sa_family, a, out, (socklen_t)outsz) == NULL)
		util_strlcpy(out, "?", outsz);
}

int
util_addr_loopback(const char *a)
{
	return strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0 ||
	    strncmp(a, "::ffff:127.", 11) == 0;
}

int
util_addr_network(const char *addr, unsigned v4prefix, unsigned v6prefix,
    char *out, size_t outsz)
{
	union {
		struct in_addr	v4;
		struct in6_addr	v6;
		unsigned char	b[16];
	}		 a;
	unsigned char	*bytes = a.b;
	char		 text[INET6_ADDRSTRLEN];
	unsigned	 prefix, bits, i;
	int		 af = AF_INET6;

	if (outsz > 0)
		out[0] = '\0';
	if (inet_pton(AF_INET, addr, &a.v4) == 1)
		af = AF_INET;
	else if (inet_pton(AF_INET6, addr, &a.v6) != 1)
		return -1;
	else if (IN6_IS_ADDR_V4MAPPED(&a.v6)) {
		af = AF_INET;
		bytes = a.b + 12;
	}
	bits = af == AF_INET ? 32 : 128;
	prefix = af == AF_INET ? v4prefix : v6prefix;
	if (prefix == 0)
		prefix = bits;
	if (prefix > bits)
		return -1;
	for (i = 0; i < bits / 8; i++) {		/* clear the host bits */
		if (i * 8 >= prefix)
			bytes[i] = 0;
		else if (i * 8 + 8 > prefix)
			bytes[i] &= (unsigned char)(0xff <<
			    (8 - (prefix - i * 8)));
	}
	if (inet_ntop(af, bytes, text, sizeof(text)) == NULL)
		return -1;
	if ((prefix == bits ? util_strlcpy(out, text, outsz) :
	    util_snprintf(out, outsz, "%s/%u", text, prefix)) == -1) {
		if (outsz > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

int
util_write_all(int fd, const void *p, size_t n)
{
	const char	*c = p;
	ssize_t		 w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int
util_pread_all(int fd, void *p, size_t n, uint64_t off)
{
	size_t	got = 0;
	ssize_t	r;

	while (got < n) {
		r = pread(fd, (char *)p + got, n - got, (off_t)(off + got));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

int
util_pwrite_all(int fd, const void *p, size_t n, uint64_t off)
{
	size_t	done = 0;
	ssize_t	w;

	while (done < n) {
		w = pwrite(fd, (const char *)p + done, n - done,
		    (off_t)(off + done));
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = ENOSPC;
			return -1;
		}
		done += (size_t)w;
	}
	return 0;
}

/* Sync fd (its data only if datasync), close it; -1 for fd -1. */
static int
util_sync_close(int fd, int datasync)
{
	int	r, saved;

	if (fd == -1)
		return -1;
	r = datasync ? fdatasync(fd) : fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int
util_fdatasync_at(int dirfd, const char *name)
{
	return util_sync_close(openat(dirfd, name, O_WRONLY | O_CLOEXEC), 1);
}

int
util_fsync_dir(const char *dir)
{
	return util_sync_close(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
	    0);
}

int
util_write_file_atomic(const char *path, const void *p, size_t n,
    mode_t mode)
{
	char	tmp[PATH_MAX], dir[PATH_MAX];
	int	fd = -1, saved;

	if (util_snprintf(tmp, sizeof(tmp), "%s.tmp%08x", path,
	    (unsigned)util_random_u64()) == -1 ||
	    util_strlcpy(dir, path, sizeof(dir)) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd == -1)
		return -1;
	if (fchmod(fd, mode) == -1 || util_write_all(fd, p, n) == -1 ||
	    fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	return util_fsync_dir(dirname(dir));
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

int
util_drop_privileges(const struct passwd *pw, const char *chroot_dir)
{
	if (geteuid() != 0)
		return 0;
	if (chroot_dir != NULL) {
		if (chroot(chroot_dir) == -1 || chdir("/") == -1)
			return -1;
	}
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		return -1;
	/* make sure there is no way back */
	if (setuid(0) != -1) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

void
util_rfc5322_date(char *out, size_t outsz)
{
	time_t		now = time(NULL);
	struct tm	tm;

	gmtime_r(&now, &tm);
	if (strftime(out, outsz, "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0 &&
	    outsz > 0)
		out[0] = '\0';
}

enum util_line
util_read_line(FILE *fp, char *buf, size_t bufsz)
{
	size_t	len = 0;
	int	ch;

	while ((ch = getc(fp)) != EOF && ch != '\n') {
		if (ch == '\0')
			return UTIL_LINE_NUL;
		if (len == bufsz - 2)
			return UTIL_LINE_TOO_LONG;
		buf[len++] = (char)ch;
	}
	if (ch == EOF && ferror(fp))
		return UTIL_LINE_ERROR;
	if (ch == EOF && len == 0)
		return UTIL_LINE_EOF;
	buf[len] = '\0';
	return UTIL_LINE_OK;
}

/* The kernel's rule for search permission on a directory (not root's). */
static int
util_may_search(const struct stat *sb, const struct passwd *pw,
    const gid_t *groups, int ngroups)
{
	int	i;

	if (sb->st_uid == pw->pw_uid)
		return (sb->st_mode & S_IXUSR) != 0;
	for (i = 0; i < ngroups; i++)
		if (groups[i] == sb->st_gid)
			return (sb->st_mode & S_IXGRP) != 0;
	return (sb->st_mode & S_IXOTH) != 0;
}

int
util_user_can_reach(const char *dir, const struct passwd *pw, char *why,
    size_t whysz)
{
	struct passwd	 obuf, *owner = NULL;
	struct stat	 sb;
	char		 ostr[1024];
	gid_t		 groups[64];
	char		 path[PATH_MAX], *slash;
	int		 ngroups = 64;

	if (dir[0] != '/' || util_strlcpy(path, dir, sizeof(path)) == -1) {
		errno = EINVAL;
		return -1;
	}
	if (pw->pw_uid == 0)
		return 1;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &ngroups) == -1) {
		groups[0] = pw->pw_gid;
		ngroups = 1;
	}
	for (slash = path;; ) {
		slash = strchr(slash + 1, '/');
		if (slash != NULL)
			*slash = '\0';
		if (stat(path[0] ? path : "/", &sb) == -1)
			return -1;
		if (S_ISDIR(sb.st_mode) &&
		    !util_may_search(&sb, pw, groups, ngroups)) {
			/* _r: the caller's pw may be getpw*()'s own */
			if (getpwuid_r(sb.st_uid, &obuf, ostr, sizeof(ostr),
			    &owner) == 0 && owner != NULL)
				(void)util_snprintf(why, whysz, "%s is mode %04o, "
				    "owned by %s", path[0] ? path : "/",
				    (unsigned)(sb.st_mode & 07777), owner->pw_name);
			else
				(void)util_snprintf(why, whysz, "%s is mode %04o, "
				    "owned by uid %u", path[0] ? path : "/",
				    (unsigned)(sb.st_mode & 07777),
				    (unsigned)sb.st_uid);
			return 0;
		}
		if (slash == NULL)
			return 1;
		*slash = '/';
	}
}

int
util_abspath(const char *path, char *out, size_t outsz)
{
	char	 buf[PATH_MAX], real[PATH_MAX], *base, *parent;

	if (realpath(path, real) != NULL)
		return util_strlcpy(out, real, outsz);
	if (errno != ENOENT || util_strlcpy(buf, path, sizeof(buf)) == -1)
		return -1;
	/* dirname and basename of one copy each: they may modify it */
	parent = buf;
	if ((base = strrchr(buf, '/')) == NULL) {
		parent = ".";
		base = buf;
	} else if (base == buf) {
		parent = "/";
		base++;
	} else
		*base++ = '\0';
	if (*base == '\0' || realpath(parent, real) == NULL)
		return -1;
	return util_snprintf(out, outsz, "%s%s%s", real,
	    strcmp(real, "/") == 0 ? "" : "/", base);
}
