/*
 * ipc_adm: the admin process's operation messages (ipc.h IPC_ADM_REQ
 * and IPC_ADM_RES), shared by the processes that answer them (auth:
 * accounts, tokens; queue: the mail queue).  A request names the
 * operation and carries what the admin process knows of the caller (the
 * token's name, scopes and domain restriction, the client address) and of
 * the request (the path's parameter, the raw query, the body, bounded by
 * what one message holds).  The answer is JSON, sent in chunks that each
 * fit one message, "more" set on all but the last.
 */
#ifndef POSTERN_IPC_ADM_H
#define POSTERN_IPC_ADM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/ipc.h"

#define IPC_ADM_TOKEN_MAX	96
#define IPC_ADM_ARG_MAX		320
#define IPC_ADM_QUERY_MAX	1024
#define IPC_ADM_BODY_MAX	12000

struct ipc_adm_req {
	char		op[32];
	char		token[IPC_ADM_TOKEN_MAX + 1];	/* token.check only */
	char		actor[96];		/* the token's name */
	char		client[64];
	uint32_t	scopes;
	char		domain[256];		/* the token's restriction */
	char		arg[IPC_ADM_ARG_MAX + 1];	/* path {parameter} */
	char		query[IPC_ADM_QUERY_MAX + 1];
	char		body[IPC_ADM_BODY_MAX + 1];
};

/* Write r as an IPC_ADM_REQ with this id.  0, or -1 if it does not fit. */
int	ipc_adm_put(struct ipc_msg *, uint64_t id, const struct ipc_adm_req *);
/* Read one back; 0, or -1 if malformed. */
int	ipc_adm_get(struct ipc_msg *, struct ipc_adm_req *);
/* Send status and the answer's len bytes in chunks on sock.  0 or -1. */
int	ipc_adm_answer(int sock, uint64_t id, int status, const char *data,
	    size_t len);

#endif
