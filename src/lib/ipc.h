/*
 * ipc: typed, length-checked messages between postern's processes over
 * AF_UNIX SOCK_SEQPACKET socketpairs (one datagram = one message, so no
 * framing state).  A message is a fixed header (type, payload length,
 * request id) and a payload of fields written with ipc_put_* and read back
 * with ipc_get_*, which fail on any overrun; readers finish with
 * ipc_get_end() so trailing garbage is an error too.  A message may carry
 * one file descriptor (SCM_RIGHTS).
 *
 * struct ipc_chan adds a non-blocking, queued sender and a read event on a
 * libevent base for the SMTP process; the auth and queue processes use the
 * blocking ipc_send()/ipc_recv() from their own threads.
 */
#ifndef POSTERN_IPC_H
#define POSTERN_IPC_H

#include <stddef.h>
#include <stdint.h>

#define IPC_PAYLOAD_MAX	16384

enum ipc_type {
	IPC_AUTH_REQ = 1,	/* smtp -> auth: verify credentials */
	IPC_AUTH_RES,		/* auth -> smtp */
	IPC_RCPT_REQ,		/* smtp -> auth: may the MX accept rcpt? */
	IPC_RCPT_RES,		/* auth -> smtp */
	IPC_Q_OPEN,		/* smtp -> queue: start a message (and the
				   recipients that fit) */
	IPC_Q_RCPT,		/* smtp -> queue: a recipient more */
	IPC_Q_OPENED,		/* queue -> smtp: id and fd to write to */
	IPC_Q_COMMIT,		/* smtp -> queue: content complete */
	IPC_Q_COMMITTED,	/* queue -> smtp: durable (or not) */
	IPC_Q_ABORT,		/* smtp -> queue: drop the message */
	IPC_CONNECT_REQ,	/* smtp -> auth: is this client locked? */
	IPC_CONNECT_RES,	/* auth -> smtp */
	IPC_SENDER_REQ,		/* smtp -> auth: may user send as sender? */
	IPC_SENDER_RES,		/* auth -> smtp */
	IPC_LIMIT_REQ,		/* smtp -> auth: hold one recipient on the
				   daily budget (store_quota.c) */
	IPC_LIMIT_RES,		/* auth -> smtp */
	IPC_SENT,		/* smtp -> auth: a transaction ended: user
				   sent n recipients, its holds go */
	IPC_SUPPRESS_REQ,	/* smtp -> auth: is rcpt suppressed for mail
				   from this domain? (domain, rcpt) */
	IPC_SUPPRESS_RES,	/* auth -> smtp: 0 no, 1 yes (then domain,
				   reason, source, time), 2 store error */
	IPC_SMTP_READY,		/* smtp -> parent: accepting sessions */
	IPC_TLS_PAIR,		/* parent -> smtp: reload: a certificate
				   directory's name, chain and key (PEM) */
	IPC_TLS_END,		/* parent -> smtp: the last pair was sent */
	IPC_TLS_DONE,		/* smtp -> parent: names now served (0:
				   nothing loaded, the old set stays) */
	IPC_CONF,		/* parent -> smtp: reload: the keys that
				   apply without a restart, (row, value)* */
	IPC_ADM_REQ,		/* admin -> auth: one API operation (op,
				   token, actor, client, scopes, domain,
				   arg, query, body) */
	IPC_ADM_RES,		/* auth -> admin: (status, more, chunk of
				   the JSON answer); more: chunks follow */
	IPC_ADM_BODY,		/* admin -> auth/queue: (chunk) of the
				   request body an IPC_ADM_REQ announced */
	IPC_TYPE_MAX
};

struct ipc_msg {
	uint32_t	type;
	uint64_t	id;		/* request id: the SMTP session id */
	size_t		len;		/* payload bytes written */
	size_t		pos;		/* read cursor */
	int		fd;		/* passed descriptor or -1 */
	unsigned char	data[IPC_PAYLOAD_MAX];
};

void	ipc_msg_init(struct ipc_msg *, uint32_t type, uint64_t id);
int	ipc_put_u32(struct ipc_msg *, uint32_t);
int	ipc_put_u64(struct ipc_msg *, uint64_t);
int	ipc_put_str(struct ipc_msg *, const char *);
int	ipc_put_bytes(struct ipc_msg *, const void *, size_t);
int	ipc_get_u32(struct ipc_msg *, uint32_t *);
int	ipc_get_u64(struct ipc_msg *, uint64_t *);
/* Copy a string field into dst (dstsz incl. NUL); -1 if it does not fit
   or contains a NUL. */
int	ipc_get_str(struct ipc_msg *, char *dst, size_t dstsz);
int	ipc_get_end(struct ipc_msg *);

/* Blocking send/receive.  ipc_recv: 1 message, 0 EOF, -1 error. */
int	ipc_send(int sock, const struct ipc_msg *);
int	ipc_recv(int sock, struct ipc_msg *);

struct event_base;
struct ipc_chan;

typedef void (*ipc_dispatch_cb)(struct ipc_msg *, void *arg);
typedef void (*ipc_close_cb)(void *arg);

struct ipc_chan *ipc_chan_new(struct event_base *, int sock, const char *name,
	    ipc_dispatch_cb, ipc_close_cb, void *arg);
/* Queue a message; never blocks.  -1 only when out of memory. */
int	ipc_chan_send(struct ipc_chan *, const struct ipc_msg *);
void	ipc_chan_free(struct ipc_chan *);

#endif
