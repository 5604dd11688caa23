/*
 * util: small helpers that know nothing about mail: randomness, ids,
 * file descriptors, durable file writes, address formatting, privileges.
 * Functions return 0 or -1 with errno set, unless noted.
 */
#ifndef POSTERN_UTIL_H
#define POSTERN_UTIL_H

#include <sys/socket.h>
#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct passwd;

int	 util_random(void *, size_t);
uint64_t util_random_u64(void);
/* A string's djb2 hash (Bernstein), for hash tables. */
uint32_t util_hash_str(const char *);
uint64_t util_now_ms(void);
uint64_t util_monotonic_ms(void);
/* "2026-12-06 23:30:00 UTC" for a Unix time; "-" for t <= 0. */
void	 util_time_utc(int64_t t, char *out, size_t outsz);
void	 util_hex(const void *, size_t, char *out);	/* out: 2n+1 */
/* v in decimal into out (at least UTIL_U64_DIG + 1 bytes); its length */
#define UTIL_U64_DIG	20
size_t	 util_u64_dec(uint64_t v, char *out);
void	 util_lower(char *);
int	 util_fd_nonblock(int);
int	 util_fd_cloexec(int);

/* Bounded copy; -1 (and dst = "") if src does not fit. */
int	 util_strlcpy(char *dst, const char *src, size_t dstsz);

/* Bounded snprintf; -1 if truncated or on error. */
int	 util_snprintf(char *dst, size_t dstsz, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* "1.2.3.4" or "IPv6:..." style text of an address, no port. */
void	 util_addr_str(const struct sockaddr *, char *out, size_t outsz);

/* 1 if a numeric address (as util_addr_str writes it) is loopback:
   127.0.0.0/8, ::1, or 127.x mapped into IPv6 (a dual-stack listener). */
int	 util_addr_loopback(const char *addr);

/*
 * The network a numeric address (as util_addr_str writes it) lies in, at
 * a prefix length for IPv4 and one for IPv6: "192.0.2.0/24",
 * "2001:db8::/64"; at full length (or 0) the address alone, "192.0.2.7".
 * An IPv4-mapped IPv6 address (::ffff:192.0.2.7, a dual-stack listener)
 * is taken as the IPv4 address it maps.  -1 if addr is not a numeric
 * address, a prefix is longer than the family's, or out is too small
 * (out is then "").
 */
int	 util_addr_network(const char *addr, unsigned v4prefix,
	    unsigned v6prefix, char *out, size_t outsz);

/*
 * Write len bytes to path atomically: temp file in the same directory
 * (O_EXCL, mode), fsync, rename, fsync the directory.
 */
int	 util_write_file_atomic(const char *path, const void *, size_t,
	    mode_t mode);

/* write(2) all of it, retrying on EINTR and short writes. */
int	 util_write_all(int fd, const void *, size_t);
/*
 * n bytes at offset off, the file offset untouched (a descriptor shared
 * with another process keeps its own), EINTR retried.  0, or -1 with
 * errno: pread's or pwrite's, EIO when the file ends first (read),
 * ENOSPC when a write makes no progress.
 */
int	 util_pread_all(int fd, void *, size_t n, uint64_t off);
int	 util_pwrite_all(int fd, const void *, size_t n, uint64_t off);

/* fsync the directory that holds path (or path itself if a dir). */
int	 util_fsync_dir(const char *dir);
/* fdatasync the file name in dirfd (opened for it, then closed).  As
   fdatasync(2), or -1 with open's errno. */
int	 util_fdatasync_at(int dirfd, const char *name);

/*
 * Privileges: if running as root, switch to pw (groups, gid, uid) for
 * good, optionally after chroot(2) into dir.  Not root: no change.
 */
int	 util_drop_privileges(const struct passwd *pw, const char *chroot_dir);

/*
 * 1 if the user (uid, its groups) can search every directory on the way
 * to the absolute path dir, and dir itself; 0 with the first obstacle in
 * why ("/root is mode 0700, owned by root"); -1 if a directory cannot be
 * examined (errno).  What the kernel would check, done by stat(2), so a
 * root process can ask before it drops to that user.
 */
int	 util_user_can_reach(const char *dir, const struct passwd *pw,
	    char *why, size_t whysz);

/*
 * An absolute, symlink-free form of path: realpath(3) of path, or of its
 * parent plus the last component when path does not exist yet.
 */
int	 util_abspath(const char *path, char *out, size_t outsz);

enum util_line {
	UTIL_LINE_OK,
	UTIL_LINE_EOF,
	UTIL_LINE_TOO_LONG,	/* more than bufsz - 2 bytes */
	UTIL_LINE_NUL,		/* a NUL byte in the line */
	UTIL_LINE_ERROR,	/* read error (errno) */
};

/*
 * One line of a text file into buf without its newline.  A last line
 * without a newline counts; bufsz - 2 bytes are the limit, so a line of
 * exactly the limit and one byte more can be told apart.
 */
enum util_line	util_read_line(FILE *, char *buf, size_t bufsz);

/* RFC 5322 date-time for "now", e.g. "Fri, 27 Nov 2026 23:07:15 +0000". */
void	 util_rfc5322_date(char *out, size_t outsz);

#endif
