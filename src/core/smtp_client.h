/*
 * smtp_client: the client side of SMTP over TCP and TLS, blocking with a
 * deadline on every operation (poll on a non-blocking socket), for
 * `postern check` and other tools that test one connection step by step.
 * It reports transport failures precisely (refused, timed out, closed,
 * TLS alert) because telling them apart is the point of a diagnostic.
 * One client per thread; nothing is shared but the SSL_CTX.
 */
#ifndef POSTERN_SMTP_CLIENT_H
#define POSTERN_SMTP_CLIENT_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "core/reply.h"

enum sc_status {
	SC_OK,
	SC_TIMEOUT,		/* no answer before the deadline */
	SC_REFUSED,		/* connection refused (RST) */
	SC_UNREACHABLE,		/* no route, network down */
	SC_CLOSED,		/* peer closed the connection */
	SC_IO,			/* other socket error */
	SC_TLS,			/* TLS handshake or record error */
	SC_PROTOCOL,		/* peer sent something that is not SMTP */
};

struct sc_tls_info {
	char	version[16];
	char	cipher[64];
	char	subject[256];		/* CN */
	char	san[512];		/* DNS names, comma-separated */
	char	issuer[256];
	char	not_after[32];		/* "2027-01-01 00:00:00 UTC" */
	int64_t	expires;		/* unix time */
	int	name_matches;		/* certificate valid for the host */
	int	verified;		/* chain verified against trust */
	char	verify_error[128];	/* why not, if not */
};

struct smtp_client {
	int		 fd;
	SSL		*ssl;
	unsigned	 timeout_ms;
	enum sc_status	 status;
	char		 err[256];	/* the last failure, for people */
	char		 rbuf[16384];
	size_t		 rlen;
	char		 raw[512];	/* start of the last bytes read that
					   did not parse, printable */
};

void	sc_init(struct smtp_client *, unsigned timeout_ms);
/* 0, or -1 with status/err set. */
int	sc_connect(struct smtp_client *, const struct sockaddr *, socklen_t);
/*
 * TLS handshake as a client (implicit TLS or after STARTTLS).  sni is
 * also the name checked against the certificate.  cafile NULL: the
 * system's trust store.  The handshake fails only on a TLS error; an
 * untrusted or mismatched certificate is reported in info.
 */
int	sc_tls(struct smtp_client *, SSL_CTX *, const char *sni,
	    struct sc_tls_info *);
int	sc_read_reply(struct smtp_client *, struct reply *);
/* Send line + CRLF, then read the reply. */
int	sc_command(struct smtp_client *, const char *line, struct reply *);
int	sc_write(struct smtp_client *, const void *, size_t);
void	sc_close(struct smtp_client *);
const char *sc_status_name(enum sc_status);

/* A client SSL_CTX: TLS 1.2+, verification reported, not enforced. */
SSL_CTX	*sc_tls_ctx(const char *cafile, char *err, size_t errsz);

#endif
