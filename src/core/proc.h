/*
 * proc: entry points of postern's processes and the result codes they
 * exchange over ipc.  The parent (parent.c) binds the listeners, loads
 * TLS keys, then forks:
 *   auth   owns the account store; verifies passwords and answers
 *          recipient lookups on worker threads (argon2id is slow),
 *   queue  owns the spool; hands out message files and makes them
 *          durable (fsync, rename, directory fsync) before the SMTP
 *          process may say 250,
 *   smtp   the network-facing event loop; no store, no spool access.
 * Each child exits when its ipc peer closes, and at once when the parent
 * dies (lifeline.h); the parent waits for all.
 */
#ifndef POSTERN_PROC_H
#define POSTERN_PROC_H

#include <openssl/ssl.h>

#include "core/config.h"

enum auth_result {
	AUTH_RES_OK,
	AUTH_RES_FAIL,		/* 535 5.7.8 */
	AUTH_RES_TEMPFAIL,	/* 454 4.7.0, the store is unavailable */
	AUTH_RES_LOCKED,	/* 454 4.7.0, locked after failed logins */
};

enum rcpt_result {
	RCPT_RES_OK,
	RCPT_RES_RELAY,		/* not a local domain: 554 5.7.1 */
	RCPT_RES_UNKNOWN,	/* local domain, no such mailbox: 550 5.1.1 */
	RCPT_RES_TEMPFAIL,	/* store failure: 451 4.3.0 */
};

enum queue_result {
	QUEUE_RES_OK,
	QUEUE_RES_TEMPFAIL,	/* 451 4.3.0 */
	QUEUE_RES_NOSPACE,	/* 452 4.3.1 */
};

/* Flags of a message, in IPC_Q_OPEN and the envelope. */
#define MSG_F_SMTPUTF8	0x01
#define MSG_F_8BITMIME	0x02

struct smtp_listener {
	int			fd;
	enum listen_kind	kind;
	char			text[64];
};

/* admin_sock: the admin process's API operations, or -1 */
__attribute__((noreturn)) void auth_main(const struct config *,
	    const char *datadir, int sock, int imap_sock, int admin_sock);
__attribute__((noreturn)) void imap_main(const struct config *,
	    const char *datadir, int ctl);
/* admin_sock: the admin process's queue operations, or -1 */
__attribute__((noreturn)) void queue_main(const struct config *,
	    const char *datadir, int sock, int admin_sock);
/* ctl_sock: to the parent (readiness, certificate reloads) */
__attribute__((noreturn)) void smtp_main(const struct config *, SSL_CTX *,
	    struct smtp_listener *, size_t nlisteners, int auth_sock,
	    int queue_sock, int ctl_sock);

/* serve: run the whole server in the foreground; returns exit status. */
int	parent_serve(const char *datadir);

#endif
