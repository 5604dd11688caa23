/*
 * metrics: the server's counters, shared by its processes, and their
 * Prometheus text exposition (format 0.0.4) for the admin listener's
 * /metrics.  docs/METRICS.md lists every series.
 *
 * The counters live in one anonymous shared mapping that the parent makes
 * before it forks (metrics_open), so every child adds to the same page
 * with relaxed atomic additions: no IPC, no lock and no system call on the
 * hot path (one locked add per event).  The admin process only reads
 * them.  Without metrics_open() (the CLI, or no admin listener) every
 * metrics_* call is a no-op.
 *
 * Labels are fixed enumerations, so the page has a fixed size and a peer
 * cannot grow it: listener kinds, session outcomes, AUTH results, reply
 * codes 400-599 (one slot each), delivery results by provider (at most
 * METRICS_PROVIDERS_MAX, the rest counted as "other").
 *
 * A compromised smtp process could write wrong numbers here; it cannot
 * reach anything else through this page (it holds counters only).
 */
#ifndef POSTERN_METRICS_H
#define POSTERN_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define METRICS_PROVIDERS_MAX	16
#define METRICS_KINDS		3	/* submission smtps mx */
#define METRICS_LOCAL		(-2)	/* metrics_delivery(): the Maildir */

enum metrics_session_end {
	MSE_QUIT,		/* the client said QUIT */
	MSE_CLOSED,		/* the client closed the connection */
	MSE_TIMEOUT,
	MSE_REFUSED,		/* too many sessions, locked client */
	MSE_TLS_FAILED,		/* the handshake failed */
	MSE_ERRORS,		/* max_errors reached */
	MSE_SHUTDOWN,		/* the server was stopping */
	MSE_COUNT
};

enum metrics_auth {
	MA_OK,
	MA_WRONG_PASSWORD,
	MA_UNKNOWN_USER,
	MA_LOCKED,
	MA_HOST_MISMATCH,
	MA_STORE_ERROR,		/* 454: the store did not answer */
	MA_MALFORMED,
	MA_COUNT
};

enum metrics_delivery {
	MD_DELIVERED,
	MD_DEFERRED,		/* a temporary failure, retried later */
	MD_BOUNCED,		/* a permanent failure */
	MD_COUNT
};

enum metrics_tls { MT_INBOUND, MT_OUTBOUND, MT_COUNT };

/* Make the shared page; call once, before the processes fork. 0 or -1. */
int	 metrics_open(void);
/* 1 when counting (metrics_open() was called in this process tree). */
int	 metrics_on(void);

void	 metrics_connection(int kind);
void	 metrics_session_end(int kind, enum metrics_session_end);
/* proto "smtp" or "imap"; result AUTH_RES_* and the log reason decide
   the label; hints: the CRED_HINT_* bits of the credentials */
void	 metrics_auth(const char *proto, int result, const char *reason,
	    unsigned hints);
void	 metrics_accepted(int kind);
/* A 4xx/5xx reply to MAIL, RCPT, DATA or the end of data. */
void	 metrics_refused(int code);
void	 metrics_delivery(int provider, enum metrics_delivery);
/* The queue process names its providers once, at start. */
void	 metrics_provider_name(int provider, const char *);
void	 metrics_hold(int provider);
/* An outbound SMTP connection made (TCP connected); a message begun on
   one (its MAIL sent).  Their ratio shows connection reuse. */
void	 metrics_outbound_connection(int provider);
void	 metrics_outbound_transaction(int provider);
void	 metrics_pause(void);
void	 metrics_warmup_limited(void);
void	 metrics_dns_failure(void);
void	 metrics_tls_failure(enum metrics_tls);
/* One durable spool commit that took us microseconds. */
void	 metrics_commit(uint64_t us);
void	 metrics_authcache(int hit);
/* An admin HTTP request answered with this status. */
void	 metrics_http(int status);
/* The queue's size and the arrival time of its oldest message (0: none). */
void	 metrics_queue(int64_t messages, int64_t oldest);

/* The soonest notAfter of the served certificates (0: none). */
void	 metrics_cert_expiry(int64_t);
/* What the overview reads back: the queue gauges, the certificate. */
void	 metrics_queue_get(int64_t *messages, int64_t *oldest);
int64_t	 metrics_cert_get(void);
/* The parent says whether the server accepts mail (/healthz/ready). */
void	 metrics_set_ready(int);
int	 metrics_ready(void);

/* The exposition text at time now.  0, or -1 if buf is too small. */
int	 metrics_write(struct buf *, int64_t now);

#endif
