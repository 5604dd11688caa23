/*
 * smtp_client: see smtp_client.h.  The socket is non-blocking; every
 * read, write and handshake step waits with poll() up to the deadline of
 * the whole operation.  Lines are bounded by the read buffer: a reply
 * line longer than it is a protocol error, never truncated.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "core/smtp_client.h"
#include "lib/log.h"
#include "lib/util.h"

static int	sc_wait(struct smtp_client *, short, uint64_t);
static int	sc_fill(struct smtp_client *, uint64_t);
static int	sc_fail(struct smtp_client *, enum sc_status, const char *,
		    ...) __attribute__((format(printf, 3, 4)));
static void	sc_cert_info(struct smtp_client *, const char *,
		    struct sc_tls_info *);

const char *
sc_status_name(enum sc_status st)
{
	static const char *names[] = { "ok", "timeout", "refused",
	    "unreachable", "closed", "io", "tls", "protocol" };

	return (size_t)st < sizeof(names) / sizeof(names[0]) ? names[st] :
	    "?";
}

static int
sc_fail(struct smtp_client *c, enum sc_status st, const char *fmt, ...)
{
	va_list	ap;

	c->status = st;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return -1;
}

void
sc_init(struct smtp_client *c, unsigned timeout_ms)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout_ms = timeout_ms;
}

/* Wait for events on the socket until the deadline (monotonic ms). */
static int
sc_wait(struct smtp_client *c, short events, uint64_t deadline)
{
	struct pollfd	pfd;
	uint64_t	now;
	int		r;

	for (;;) {
		now = util_monotonic_ms();
		if (now >= deadline)
			return sc_fail(c, SC_TIMEOUT, "no answer within %u ms",
			    c->timeout_ms);
		pfd.fd = c->fd;
		pfd.events = events;
		r = poll(&pfd, 1, (int)(deadline - now));
		if (r > 0)
			return 0;
		if (r == -1 && errno != EINTR)
			return sc_fail(c, SC_IO, "poll: %s", strerror(errno));
	}
}

int
sc_connect(struct smtp_client *c, const struct sockaddr *sa, socklen_t len)
{
	uint64_t	deadline = util_monotonic_ms() + c->timeout_ms;
	int		err = 0, one = 1;
	socklen_t	elen = sizeof(err);

	c->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		return sc_fail(c, SC_IO, "socket: %s", strerror(errno));
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, sa, len) == -1 && errno != EINPROGRESS)
		err = errno;
	else if (sc_wait(c, POLLOUT, deadline) == -1)
		return -1;
	else if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1)
		err = errno;
	if (err == 0) {
		c->status = SC_OK;
		return 0;
	}
	if (err == ECONNREFUSED)
		return sc_fail(c, SC_REFUSED, "connection refused: nothing "
		    "listens on that port");
	if (err == ENETUNREACH || err == EHOSTUNREACH)
		return sc_fail(c, SC_UNREACHABLE, "%s", strerror(err));
	if (err == ETIMEDOUT)
		return sc_fail(c, SC_TIMEOUT, "connection timed out");
	return sc_fail(c, SC_IO, "connect: %s", strerror(err));
}

SSL_CTX *
sc_tls_ctx(const char *cafile, char *err, size_t errsz)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(err, errsz, "SSL_CTX_new failed");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* report verification, do not abort on it: a diagnostic goes on */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (cafile != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) {
			snprintf(err, errsz, "%s: cannot load CA certificates",
			    cafile);
			SSL_CTX_free(ctx);
			return NULL;
		}
	} else
		SSL_CTX_set_default_verify_paths(ctx);
	return ctx;
}

static void
sc_name(X509_NAME *n, char *out, size_t outsz)
{
	if (n == NULL || X509_NAME_get_text_by_NID(n, NID_commonName, out,
	    (int)outsz) < 0) {
		if (n != NULL)
			X509_NAME_oneline(n, out, (int)outsz);
		else
			util_strlcpy(out, "?", outsz);
	}
}

static void
sc_cert_info(struct smtp_client *c, const char *host, struct sc_tls_info *ti)
{
	X509			*x = SSL_get1_peer_certificate(c->ssl);
	GENERAL_NAMES		*sans;
	const ASN1_TIME		*na;
	struct tm		 tm;
	long			 v;
	int			 i;

	util_strlcpy(ti->version, SSL_get_version(c->ssl),
	    sizeof(ti->version));
	util_strlcpy(ti->cipher, SSL_get_cipher_name(c->ssl),
	    sizeof(ti->cipher));
	if (x == NULL) {
		util_strlcpy(ti->verify_error, "no certificate",
		    sizeof(ti->verify_error));
		return;
	}
	sc_name(X509_get_subject_name(x), ti->subject, sizeof(ti->subject));
	sc_name(X509_get_issuer_name(x), ti->issuer, sizeof(ti->issuer));
	sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
		char name[256];
		int len;

		if (gn->type != GEN_DNS)
			continue;
		len = ASN1_STRING_length(gn->d.dNSName);
		if (len <= 0 || len >= (int)sizeof(name))
			continue;
		memcpy(name, ASN1_STRING_get0_data(gn->d.dNSName),
		    (size_t)len);
		name[len] = '\0';
		if (ti->san[0] != '\0')
			strncat(ti->san, ", ", sizeof(ti->san) -
			    strlen(ti->san) - 1);
		strncat(ti->san, name, sizeof(ti->san) - strlen(ti->san) - 1);
	}
	GENERAL_NAMES_free(sans);
	na = X509_get0_notAfter(x);
	if (na != NULL && ASN1_TIME_to_tm(na, &tm) == 1) {
		ti->expires = (int64_t)timegm(&tm);
		strftime(ti->not_after, sizeof(ti->not_after),
		    "%Y-%m-%d %H:%M:%S UTC", &tm);
	}
	/* an address literal matches an IP SAN only (RFC 6125 §1.7.2) */
	ti->name_matches = host != NULL && host[0] != '\0' &&
	    (X509_check_ip_asc(x, host, 0) == 1 ||
	    X509_check_host(x, host, 0, 0, NULL) == 1);
	v = SSL_get_verify_result(c->ssl);
	ti->verified = v == X509_V_OK;
	if (!ti->verified)
		util_strlcpy(ti->verify_error, X509_verify_cert_error_string(v),
		    sizeof(ti->verify_error));
	X509_free(x);
}

int
sc_tls(struct smtp_client *c, SSL_CTX *ctx, const char *sni,
    struct sc_tls_info *ti)
{
	uint64_t	deadline = util_monotonic_ms() + c->timeout_ms;
	unsigned long	e;
	char		ebuf[200];
	int		r, want;

	memset(ti, 0, sizeof(*ti));
	if ((c->ssl = SSL_new(ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1)
		return sc_fail(c, SC_TLS, "SSL_new failed");
	if (sni != NULL && sni[0] != '\0')
		SSL_set_tlsext_host_name(c->ssl, sni);
	for (;;) {
		ERR_clear_error();
		r = SSL_connect(c->ssl);
		if (r == 1)
			break;
		want = SSL_get_error(c->ssl, r);
		if (want == SSL_ERROR_WANT_READ || want == SSL_ERROR_WANT_WRITE) {
			if (sc_wait(c, want == SSL_ERROR_WANT_READ ? POLLIN :
			    POLLOUT, deadline) == -1)
				return sc_fail(c, SC_TIMEOUT, "no TLS answer "
				    "within %u ms (the server may be waiting "
				    "for plaintext SMTP)", c->timeout_ms);
			continue;
		}
		e = ERR_get_error();
		if (e != 0) {
			ERR_error_string_n(e, ebuf, sizeof(ebuf));
			return sc_fail(c, SC_TLS, "TLS handshake failed: %s",
			    ebuf);
		}
		if (want == SSL_ERROR_SYSCALL || want == SSL_ERROR_ZERO_RETURN)
			return sc_fail(c, SC_CLOSED, "the server closed the "
			    "connection during the TLS handshake");
		return sc_fail(c, SC_TLS, "TLS handshake failed (error %d)",
		    want);
	}
	sc_cert_info(c, sni, ti);
	return 0;
}

/* Read more bytes into rbuf; 0 or -1. */
static int
sc_fill(struct smtp_client *c, uint64_t deadline)
{
	ssize_t	n;
	int	want;

	if (c->rlen >= sizeof(c->rbuf))
		return sc_fail(c, SC_PROTOCOL, "reply line longer than %zu "
		    "octets", sizeof(c->rbuf));
	for (;;) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			n = SSL_read(c->ssl, c->rbuf + c->rlen,
			    (int)(sizeof(c->rbuf) - c->rlen));
			if (n > 0)
				break;
			want = SSL_get_error(c->ssl, (int)n);
			if (want == SSL_ERROR_WANT_READ ||
			    want == SSL_ERROR_WANT_WRITE) {
				if (sc_wait(c, want == SSL_ERROR_WANT_READ ?
				    POLLIN : POLLOUT, deadline) == -1)
					return -1;
				continue;
			}
			if (want == SSL_ERROR_ZERO_RETURN ||
			    want == SSL_ERROR_SYSCALL)
				return sc_fail(c, SC_CLOSED, "the server closed "
				    "the connection");
			return sc_fail(c, SC_TLS, "TLS error while reading");
		}
		n = read(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen);
		if (n > 0)
			break;
		if (n == 0)
			return sc_fail(c, SC_CLOSED, "the server closed the "
			    "connection");
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (sc_wait(c, POLLIN, deadline) == -1)
				return -1;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET)
			return sc_fail(c, SC_CLOSED, "connection reset by the "
			    "server");
		return sc_fail(c, SC_IO, "read: %s", strerror(errno));
	}
	c->rlen += (size_t)n;
	return 0;
}

int
sc_read_reply(struct smtp_client *c, struct reply *r)
{
	uint64_t	 deadline = util_monotonic_ms() + c->timeout_ms;
	char		*nl;
	size_t		 len;
	int		 rc;

	reply_init(r);
	for (;;) {
		while ((nl = memchr(c->rbuf, '\n', c->rlen)) == NULL)
			if (sc_fill(c, deadline) == -1)
				return -1;
		len = (size_t)(nl - c->rbuf);
		if (len > 0 && c->rbuf[len - 1] == '\r')
			len--;
		rc = reply_add_line(r, c->rbuf, len);
		if (rc == -1) {
			log_printable(c->raw, sizeof(c->raw), c->rbuf,
			    len > 80 ? 80 : len);
			c->rlen = 0;
			return sc_fail(c, SC_PROTOCOL, "not an SMTP reply: "
			    "\"%s\"", c->raw);
		}
		c->rlen -= (size_t)(nl - c->rbuf) + 1;
		memmove(c->rbuf, nl + 1, c->rlen);
		if (rc == 1) {
			c->status = SC_OK;
			return 0;
		}
	}
}

int
sc_write(struct smtp_client *c, const void *p, size_t n)
{
	uint64_t	 deadline = util_monotonic_ms() + c->timeout_ms;
	const char	*b = p;
	ssize_t		 w;
	int		 want;

	while (n > 0) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			w = SSL_write(c->ssl, b, (int)n);
			if (w <= 0) {
				want = SSL_get_error(c->ssl, (int)w);
				if (want != SSL_ERROR_WANT_READ &&
				    want != SSL_ERROR_WANT_WRITE)
					return sc_fail(c, SC_CLOSED, "the "
					    "server closed the connection");
				if (sc_wait(c, want == SSL_ERROR_WANT_READ ?
				    POLLIN : POLLOUT, deadline) == -1)
					return -1;
				continue;
			}
		} else {
			w = send(c->fd, b, n, MSG_NOSIGNAL);
			if (w == -1) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN && errno != EWOULDBLOCK)
					return sc_fail(c, SC_CLOSED, "write: "
					    "%s", strerror(errno));
				if (sc_wait(c, POLLOUT, deadline) == -1)
					return -1;
				continue;
			}
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int
sc_command(struct smtp_client *c, const char *line, struct reply *r)
{
	char	buf[1100];

	if (util_snprintf(buf, sizeof(buf), "%s\r\n", line) == -1)
		return sc_fail(c, SC_PROTOCOL, "command too long");
	if (sc_write(c, buf, strlen(buf)) == -1)
		return -1;
	explicit_bzero(buf, sizeof(buf));	/* may hold AUTH data */
	return sc_read_reply(c, r);
}

void
sc_close(struct smtp_client *c)
{
	if (c->ssl != NULL) {
		(void)SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
}
