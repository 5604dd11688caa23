/*
 * ipc_adm: see ipc_adm.h.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/ipc_adm.h"
#include "lib/util.h"

#define CHUNK	(IPC_PAYLOAD_MAX - 64)

int
ipc_adm_put(struct ipc_msg *m, uint64_t id, const struct ipc_adm_req *r)
{
	ipc_msg_init(m, IPC_ADM_REQ, id);
	if (ipc_put_str(m, r->op) == -1 || ipc_put_str(m, r->token) == -1 ||
	    ipc_put_str(m, r->actor) == -1 ||
	    ipc_put_str(m, r->client) == -1 ||
	    ipc_put_u32(m, r->scopes) == -1 ||
	    ipc_put_str(m, r->domain) == -1 || ipc_put_str(m, r->arg) == -1 ||
	    ipc_put_str(m, r->query) == -1 || ipc_put_str(m, r->body) == -1)
		return -1;
	return 0;
}

int
ipc_adm_get(struct ipc_msg *m, struct ipc_adm_req *r)
{
	memset(r, 0, sizeof(*r));
	if (m->type != IPC_ADM_REQ ||
	    ipc_get_str(m, r->op, sizeof(r->op)) == -1 ||
	    ipc_get_str(m, r->token, sizeof(r->token)) == -1 ||
	    ipc_get_str(m, r->actor, sizeof(r->actor)) == -1 ||
	    ipc_get_str(m, r->client, sizeof(r->client)) == -1 ||
	    ipc_get_u32(m, &r->scopes) == -1 ||
	    ipc_get_str(m, r->domain, sizeof(r->domain)) == -1 ||
	    ipc_get_str(m, r->arg, sizeof(r->arg)) == -1 ||
	    ipc_get_str(m, r->query, sizeof(r->query)) == -1 ||
	    ipc_get_str(m, r->body, sizeof(r->body)) == -1 ||
	    ipc_get_end(m) == -1)
		return -1;
	return 0;
}

int
ipc_adm_answer(int sock, uint64_t id, int status, const char *data,
    size_t len)
{
	struct ipc_msg	*m;
	size_t		 off = 0, n;
	int		 rc = 0;

	if ((m = malloc(sizeof(*m))) == NULL)
		return -1;
	do {
		n = len - off > CHUNK ? CHUNK : len - off;
		ipc_msg_init(m, IPC_ADM_RES, id);
		(void)ipc_put_u32(m, (uint32_t)status);
		(void)ipc_put_u32(m, off + n < len);
		(void)ipc_put_u32(m, (uint32_t)n);
		(void)ipc_put_bytes(m, data + off, n);
		if ((rc = ipc_send(sock, m)) == -1)
			break;
		off += n;
	} while (off < len);
	free(m);
	return rc;
}
