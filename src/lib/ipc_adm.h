/*
 * ipc_adm: the admin process's operation messages (ipc.h IPC_ADM_REQ
 * and IPC_ADM_RES), shared by the processes that answer them (auth:
 * accounts, tokens; queue: the mail queue).  A request names the
 * operation and carries what the admin process knows of the caller (the
 * token's name, scopes and domain restriction, the client address) and of
 * the request (the path's parameter, the raw query, the Idempotency-Key
 * header, the body).  A body
 * longer than what fits beside the rest follows in IPC_ADM_BODY messages
 * sent right after the request on the same socket, so one request is
 * read whole before the next (IPC_ADM_BODY_MAX in all).  The answer is
 * JSON, sent in chunks that each fit one message, "more" set on all but
 * the last.
 */
#ifndef POSTERN_IPC_ADM_H
#define POSTERN_IPC_ADM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/ipc.h"

#define IPC_ADM_TOKEN_MAX	96
#define IPC_ADM_ARG_MAX		320
#define IPC_ADM_QUERY_MAX	1024
#define IPC_ADM_BODY_MAX	(8 * 1024 * 1024)
#define IPC_ADM_IDEM_MAX	255	/* Idempotency-Key header */

struct ipc_adm_req {
	char		op[32];
	char		token[IPC_ADM_TOKEN_MAX + 1];	/* token.check only */
	char		actor[96];		/* "token:NAME", "admin:NAME" */
	char		client[64];
	uint32_t	scopes;
	char		domain[256];		/* the token's restriction */
	char		arg[IPC_ADM_ARG_MAX + 1];	/* path {parameter} */
	char		query[IPC_ADM_QUERY_MAX + 1];
	char		idem_key[IPC_ADM_IDEM_MAX + 1];	/* or "" */
	char		*body;		/* body_len bytes; on the receiving
					   side NUL-terminated, malloc'd */
	size_t		 body_len;
};

struct ipc_chan;

/* Send r with this id on ch: the request, then its body's chunks. 0/-1. */
int	ipc_adm_send(struct ipc_chan *, uint64_t id, const struct ipc_adm_req *);
/*
 * Read one whole request from a blocking socket into r (ipc_adm_clear
 * frees it), m is scratch.  1, 0 at end of file, -1 on a read error, -2
 * if what came is malformed or not a request (m->id says whose: answer
 * it 400).
 */
int	ipc_adm_recv(int sock, struct ipc_msg *m, struct ipc_adm_req *r);
/* Wipe r and free its body. */
void	ipc_adm_clear(struct ipc_adm_req *);
/* Send status and the answer's len bytes in chunks on sock.  0 or -1. */
int	ipc_adm_answer(int sock, uint64_t id, int status, const char *data,
	    size_t len);

#endif
