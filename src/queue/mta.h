/*
 * mta: outbound SMTP for one delivery job (djob.h), on a worker
 * thread, through the blocking client of smtp_client.h.  It resolves the
 * destination (MX per RFC 5321 §5.1, or the relayhost), tries the hosts
 * in order until one gives a verdict for every message, and carries all
 * of the job's messages over that one connection: EHLO, STARTTLS when
 * offered (outbound_tls), AUTH for a relayhost, then per message MAIL,
 * RCPT..., DATA, pipelined when the server offers PIPELINING (RFC 2920).
 * Content goes out dot-stuffed (RFC 5321 §4.5.2) after the job's prefix
 * (the DKIM signature).  Every recipient gets an outcome: done, failed
 * (5xx, null MX, no such domain) or pending (4xx, no answer, DNS
 * trouble) with the reply that decided it.
 */
#ifndef POSTERN_MTA_H
#define POSTERN_MTA_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

struct config;
struct djob;
struct resolver;

struct mta_ctx {
	const struct config	*cfg;
	struct resolver		*res;
	SSL_CTX			*tls;
	char			 relay_pass[256];
	uint64_t		 reuse_until;	/* monotonic ms: the job's
						   connections take more
						   work before this */
};

/* One per worker thread.  0 or -1 with err. */
int	mta_init(struct mta_ctx *, const struct config *, char *err,
	    size_t errsz);
void	mta_free(struct mta_ctx *);
/* The first line of relayhost_password_file into out ("" without the
   key); 0, or -1 (logged) when the file cannot be read.  Read once, by
   deliver_start(); the workers get a copy in their mta_ctx. */
int	mta_relay_password(const struct config *, char *out, size_t outsz);
void	mta_run(struct mta_ctx *, struct djob *);

#endif
