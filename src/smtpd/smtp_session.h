/*
 * smtp_session: the client sessions of the SMTP process, as smtp.c (the
 * listeners, signals and shutdown) sees them.  Calls go one way: smtp.c
 * hands the sessions what they need in a struct smtp_env and calls down;
 * the sessions call nothing in smtp.c, and say that the last of them has
 * gone during shutdown through the idle function smtp.c handed over.
 */
#ifndef POSTERN_SMTP_SESSION_H
#define POSTERN_SMTP_SESSION_H

#include <sys/socket.h>

#include <stddef.h>

#include <openssl/ssl.h>

#include "core/config.h"
#include "core/proc.h"
#include "lib/ipc.h"

struct event_base;

struct smtp_env {
	const struct config	*cfg;
	struct event_base	*base;
	SSL_CTX			*tls;
	struct ipc_chan		*auth;
	struct ipc_chan		*queue;
	int			 shutting_down;	/* no new sessions */
	void			(*idle)(void);	/* the last session went
						   while shutting down */
};

/* Once, before the first session; env stays the caller's. */
void	smtp_session_init(struct smtp_env *);
void	smtp_session_new(int fd, const struct sockaddr *, socklen_t,
	    const struct smtp_listener *);
/* An answer from the auth or queue process, for the session of its id. */
void	smtp_session_route(struct ipc_msg *);
/* Shutdown: idle sessions get 421, the rest finish their message. */
void	smtp_session_shutdown_all(void);
/* Grace is over: drop every session not committing; how many are left. */
size_t	smtp_session_expire(void);
size_t	smtp_session_count(void);
const char *smtp_listen_name(enum listen_kind);

#endif
