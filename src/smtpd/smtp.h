/*
 * smtp: internals of the SMTP process, shared by smtp.c (listeners, the
 * event loop, ipc routing, shutdown) and smtp_session.c (one client
 * connection: the RFC 5321 state machine).  The process is single-
 * threaded; sessions are found by id when an asynchronous answer from the
 * auth or queue process comes back.
 */
#ifndef POSTERN_SMTP_H
#define POSTERN_SMTP_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "core/config.h"
#include "core/proc.h"
#include "lib/ipc.h"

struct event_base;
struct smtp_session;

struct smtp_server {
	const struct config	*cfg;
	struct event_base	*base;
	SSL_CTX			*tls;
	struct ipc_chan		*auth;
	struct ipc_chan		*queue;
	size_t			 nsessions;
	int			 shutting_down;
	uint64_t		 next_id;
};

extern struct smtp_server smtp_srv;

/* smtp.c */
void	smtp_session_register(struct smtp_session *, uint64_t id);
void	smtp_session_unregister(struct smtp_session *, uint64_t id);
void	smtp_server_session_gone(void);
struct smtp_session *smtp_session_lookup(uint64_t id);
const char *smtp_listen_name(enum listen_kind);

/* smtp_session.c */
void	smtp_session_new(int fd, const struct sockaddr *, socklen_t,
	    const struct smtp_listener *);
void	smtp_session_ipc(struct smtp_session *, struct ipc_msg *);
void	smtp_session_shutdown(struct smtp_session *);
void	smtp_session_kill(struct smtp_session *);
int	smtp_session_committing(const struct smtp_session *);

#endif
