/*
 * smtp_session_int.h: the private half of the session module, shared by
 * the files that make up one SMTP session:
 *
 *   smtp_session.c    the connection: state, I/O, TLS, replies, the
 *                     input loop, parking on the other processes
 *   session_cmd.c     the command table, its checks and the dispatcher;
 *                     HELO, EHLO, STARTTLS and the small commands
 *   session_auth.c    AUTH (RFC 4954)
 *   session_mail.c    MAIL and RCPT: parsing, the transaction, the MX's
 *                     recipient lookups
 *   session_policy.c  submission policy: sender ownership, the
 *                     suppression list, the daily limit
 *   session_data.c    DATA: the queue file, the trace header, the end
 *
 * Only smtp_session.c changes the state (smtp_enter_state) or frees a
 * session; the other files act on one command or one answer and leave
 * through smtp_park() or by returning.  Nothing outside these files
 * includes this header: smtp.c sees smtp_session.h.
 */
#ifndef POSTERN_SMTP_SESSION_INT_H
#define POSTERN_SMTP_SESSION_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "core/dotreader.h"
#include "core/sasl.h"
#include "core/smtp_parse.h"
#include "lib/ipc.h"
#include "smtpd/smtp_session.h"

#define SMTP_CMD_LINE_MAX	512	/* RFC 5321 §4.5.3.1.4, with CRLF */
#define SMTP_AUTH_LINE_MAX	12288	/* RFC 4954 §4 */
/* RFC 3461 §4: ENVID adds 100 octets to MAIL, ORCPT 500 to RCPT; and
   room for the RET and NOTIFY keywords */
#define SMTP_DSN_LINE_MAX	(SMTP_CMD_LINE_MAX + SMTP_ORCPT_MAX + 64)
#define SMTP_TEXT_LINE_MAX	1000	/* RFC 5321 §4.5.3.1.6, with CRLF */

struct bufferevent;
struct event;

enum smtp_state {
	SMTP_GREETING,		/* connected, banner not sent yet */
	SMTP_TLS_HANDSHAKE,	/* implicit TLS or after STARTTLS */
	SMTP_CMD,		/* reading commands */
	SMTP_AUTH_INPUT,	/* reading a SASL response line */
	SMTP_WAIT,		/* parked on the auth or queue process */
	SMTP_DATA,		/* reading message content */
	SMTP_STARTTLS,		/* 220 sent, waiting for it to drain */
	SMTP_CLOSING,		/* final reply draining, then free */
};

enum smtp_wait {
	WAIT_NONE,
	WAIT_AUTH,
	WAIT_RCPT,
	WAIT_QUEUE_OPEN,
	WAIT_QUEUE_COMMIT,
	WAIT_CONNECT,		/* client lock check before the banner */
	WAIT_SENDER,		/* may the user send as this sender? */
	WAIT_LIMIT,		/* daily recipient count */
	WAIT_SUPPRESS,		/* is the recipient suppressed? */
};

/* An accepted recipient and its DSN parameters (RFC 3461). */
struct smtp_rcpt {
	char			 addr[SMTP_ADDR_MAX + 1];
	struct smtp_rcpt_params	 dsn;
};

struct smtp_tx {
	struct smtp_path	 sender;
	struct smtp_mail_params	 params;
	struct smtp_rcpt	*rcpt;
	size_t			 nrcpt;
	size_t			 rcpt_tried;	/* RCPT commands, accepted
						   or not */
	struct smtp_path	 pending;	/* RCPT under lookup */
	struct smtp_rcpt_params	 pending_dsn;	/* and its parameters */
	int			 no_suppressed;	/* the sender's domain has no
						   suppressed address (at
						   MAIL): skip the lookups */
	char			 msgid[33];
	int			 queue_open;	/* the queue holds an open
						   message for us: abort it
						   unless committed */
	uint64_t		 hold;		/* random id of the holds its
						   recipients took on the
						   daily budget, 0 none
						   asked (store_quota.c) */
	int			 fd;		/* spool content, or -1 */
	int			 write_errno;
	char			*wbuf;		/* content not written yet */
	size_t			 wlen;		/* (SMTP_WBUF bytes at most) */
	uint64_t		 file_len;	/* bytes written to fd */
	struct dotreader	 dot;
};

/* Content is written to the queue's file in runs of this much. */
#define SMTP_WBUF	(32 * 1024)

/* Replies held while parked (smtp_vreply): a pipelined group's worth. */
#define SMTP_HELD_MAX	1024

struct smtp_session {
	uint64_t		 id;
	char			 idstr[17];
	int			 fd;
	const struct smtp_listener *listener;
	enum listen_kind	 kind;
	char			 client[64];	/* IP text */
	uint16_t		 client_port;
	struct bufferevent	*bev;
	SSL			*ssl;		/* owned by bev once set */
	struct event		*ev_greet;
	enum smtp_state		 state;
	enum smtp_wait		 wait;
	int			 esmtp;		/* EHLO, not HELO */
	char			 helo[256];	/* "" until HELO/EHLO */
	int			 authed;
	char			 auth_user[SASL_USER_MAX + 1];
	uint32_t		 daily_limit;	/* of the authed mailbox */
	uint32_t		 warmup;	/* its warm-up ramp is on */
	enum sasl_mech		 auth_mech;
	struct sasl		 sasl;
	struct smtp_tx		*tx;
	unsigned		 nerrors;
	unsigned		 ncommands;
	unsigned		 nmessages;
	int			 skipping;	/* rest of an overlong line */
	int			 out_blocked;
	int			 in_process;	/* inside smtp_process() */
	size_t			 nheld;		/* reply bytes in held */
	char			 held[SMTP_HELD_MAX];
	int			 quit_after;	/* shutdown: 421 when idle */
	int			 eof;		/* client half-closed */
	int			 txreply;	/* answering MAIL, RCPT or
						   DATA: 4xx/5xx counted */
	int			 end;		/* enum metrics_session_end */
	char			 tls_info[128];
	char			 sni[256];
	uint64_t		 started_ms;
};

/* What smtp.c handed over (smtp_session_init). */
extern struct smtp_env	*smtpd_env;

/* smtp_session.c */
const char *smtp_printable(const char *, char *, size_t);
void	smtp_enter_state(struct smtp_session *, enum smtp_state);
void	smtp_reply(struct smtp_session *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	smtp_reply_close(struct smtp_session *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	smtp_set_timeout(struct smtp_session *, unsigned);
void	smtp_tx_free(struct smtp_session *);
void	smtp_process(struct smtp_session *);
void	smtp_park(struct smtp_session *, enum smtp_wait);
void	smtp_resume(struct smtp_session *);

/* session_cmd.c */
void	smtp_dispatch(struct smtp_session *, char *);

/* session_auth.c */
void	cmd_auth(struct smtp_session *, char *);
void	smtp_auth_input(struct smtp_session *, char *);
void	smtp_auth_result(struct smtp_session *, struct ipc_msg *);

/* session_mail.c */
void	cmd_mail(struct smtp_session *, char *);
void	cmd_rcpt(struct smtp_session *, char *);
void	smtp_rcpt_accept(struct smtp_session *);
void	smtp_rcpt_result(struct smtp_session *, struct ipc_msg *);

/* session_policy.c */
void	smtp_sender_check(struct smtp_session *);
void	smtp_sender_result(struct smtp_session *, struct ipc_msg *);
void	smtp_suppress_check(struct smtp_session *);
void	smtp_suppress_result(struct smtp_session *, struct ipc_msg *);
void	smtp_limit_result(struct smtp_session *, struct ipc_msg *);

/* session_data.c */
void	cmd_data(struct smtp_session *, char *);
void	smtp_data_input(struct smtp_session *);
void	smtp_queue_opened(struct smtp_session *, struct ipc_msg *);
void	smtp_queue_committed(struct smtp_session *, struct ipc_msg *);

#endif
