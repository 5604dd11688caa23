/*
 * postern-checkpassword: Dovecot's checkpassword program for postern.
 * Dovecot runs it for each IMAP login with the username and password on
 * fd 3 ("user\0password\0timestamp\0", at most 512 bytes) and the
 * client's details in the environment; it asks postern's auth process
 * over the socket named by argv[1] and passes the answer on: the extra
 * fields (user, userdb_home, userdb_uid/gid, or nologin with a reason)
 * on fd 4 and the exit status Dovecot reads (0 ok, 1 wrong, 111
 * temporary).  argv[2], the checkpassword-reply path Dovecot adds, is
 * not needed: the fields are written directly.
 *
 * It links only libc and holds no state: a login costs one exec and one
 * connection.  Every length is bounded; the password is wiped before
 * exit; any failure is a temporary one (111), said on stderr, which
 * Dovecot logs (and postern's log then shows).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REQ_MAX		1600
#define REPLY_MAX	2048
#define TIMEOUT_S	20	/* argon2id under load; Dovecot waits too */
#define EXIT_TEMP	111

static int	read_all(int, char *, size_t, size_t *);
static int	write_all(int, const char *, size_t);
static size_t	put(char *, size_t, size_t, const char *);
static int	ask(const char *, const char *, size_t, char *, size_t *);
static void	die(const char *, int) __attribute__((noreturn));

static void
die(const char *what, int err)
{
	if (err)
		fprintf(stderr, "postern-checkpassword: %s: %s\n", what,
		    strerror(err));
	else
		fprintf(stderr, "postern-checkpassword: %s\n", what);
	exit(EXIT_TEMP);
}

static int
read_all(int fd, char *buf, size_t max, size_t *len)
{
	ssize_t	n;

	*len = 0;
	for (;;) {
		n = read(fd, buf + *len, max - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			return 0;
		if ((*len += (size_t)n) == max)
			return -1;	/* more than any valid input */
	}
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Append s and its NUL at off; REQ_MAX + 1 once it does not fit. */
static size_t
put(char *req, size_t off, size_t max, const char *s)
{
	size_t	n = strlen(s) + 1;

	if (off > max || n > max - off)
		return max + 1;
	memcpy(req + off, s, n);
	return off + n;
}

static int
ask(const char *path, const char *req, size_t reqlen, char *reply,
    size_t *replylen)
{
	struct sockaddr_un	sun;
	int			fd, rc = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    write_all(fd, req, reqlen) == 0 && shutdown(fd, SHUT_WR) == 0 &&
	    read_all(fd, reply, REPLY_MAX - 1, replylen) == 0)
		rc = 0;
	close(fd);
	return rc;
}

int
main(int argc, char **argv)
{
	char		 in[REQ_MAX], req[REQ_MAX], reply[REPLY_MAX];
	const char	*user, *pass, *e, *tab;
	size_t		 inlen, off = 0, replylen, ulen;
	long		 code;
	char		*end;

	if (argc < 2)
		die("usage: postern-checkpassword SOCKET [REPLY-PROGRAM]", 0);
	if (getenv("AUTHORIZED") != NULL)
		die("user lookups without a password are not supported", 0);
	signal(SIGPIPE, SIG_IGN);
	alarm(TIMEOUT_S);
	if (read_all(3, in, sizeof(in) - 1, &inlen) == -1)
		die("reading fd 3", errno);
	in[inlen] = '\0';
	user = in;
	ulen = strnlen(in, inlen);
	if (ulen >= inlen)
		die("no password on fd 3", 0);
	pass = in + ulen + 1;
	if (strnlen(pass, inlen - ulen - 1) >= inlen - ulen - 1)
		die("unterminated password on fd 3", 0);
	off = put(req, off, sizeof(req), "PCHK1");
	off = put(req, off, sizeof(req), (e = getenv("SERVICE")) ? e : "");
	off = put(req, off, sizeof(req), (e = getenv("TCPREMOTEIP")) ? e : "");
	off = put(req, off, sizeof(req),
	    (e = getenv("AUTH_LOCAL_NAME")) ? e : "");
	off = put(req, off, sizeof(req), (e = getenv("AUTH_MECH")) ? e : "");
	off = put(req, off, sizeof(req), user);
	off = put(req, off, sizeof(req), pass);
	explicit_bzero(in, sizeof(in));
	if (off > sizeof(req))
		die("request too long", 0);
	if (ask(argv[1], req, off, reply, &replylen) == -1) {
		explicit_bzero(req, sizeof(req));
		die(argv[1], errno);
	}
	explicit_bzero(req, sizeof(req));
	reply[replylen] = '\0';
	errno = 0;
	code = strtol(reply, &end, 10);
	if (end == reply || *end != '\t' || errno != 0 ||
	    (code != 0 && code != 1 && code != EXIT_TEMP) ||
	    strpbrk(reply, "\r\n") != NULL)
		die("malformed answer from postern", 0);
	tab = end + 1;
	if (code == 0 && (*tab == '\0' || write_all(4, tab, strlen(tab)) == -1))
		die("writing fd 4", errno);
	return (int)code;
}
