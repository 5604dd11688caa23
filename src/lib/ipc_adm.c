/*
 * ipc_adm: see ipc_adm.h.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/ipc_adm.h"
#include "lib/util.h"

#define CHUNK	(IPC_PAYLOAD_MAX - 64)

static int	adm_head(struct ipc_msg *, uint64_t, const struct ipc_adm_req *);
static int	adm_parse(struct ipc_msg *, struct ipc_adm_req *, size_t *);

/* The request without its body, and the body's length. */
static int
adm_head(struct ipc_msg *m, uint64_t id, const struct ipc_adm_req *r)
{
	ipc_msg_init(m, IPC_ADM_REQ, id);
	if (r->body_len > IPC_ADM_BODY_MAX ||
	    ipc_put_str(m, r->op) == -1 || ipc_put_str(m, r->token) == -1 ||
	    ipc_put_str(m, r->actor) == -1 ||
	    ipc_put_str(m, r->client) == -1 ||
	    ipc_put_u32(m, r->scopes) == -1 ||
	    ipc_put_str(m, r->domain) == -1 || ipc_put_str(m, r->arg) == -1 ||
	    ipc_put_str(m, r->query) == -1 ||
	    ipc_put_str(m, r->idem_key) == -1 ||
	    ipc_put_u32(m, (uint32_t)r->body_len) == -1)
		return -1;
	return 0;
}

int
ipc_adm_send(struct ipc_chan *ch, uint64_t id, const struct ipc_adm_req *r)
{
	struct ipc_msg	*m;
	size_t		 off = 0, n;
	int		 rc = -1;

	if ((m = malloc(sizeof(*m))) == NULL)
		return -1;
	if (adm_head(m, id, r) == 0 && ipc_chan_send(ch, m) == 0) {
		rc = 0;
		while (rc == 0 && off < r->body_len) {
			n = r->body_len - off > CHUNK ? CHUNK :
			    r->body_len - off;
			ipc_msg_init(m, IPC_ADM_BODY, id);
			(void)ipc_put_bytes(m, r->body + off, n);
			rc = ipc_chan_send(ch, m);
			off += n;
		}
	}
	explicit_bzero(m, sizeof(*m));
	free(m);
	return rc;
}

/* The fields of an IPC_ADM_REQ; *blen: the body it announces. */
static int
adm_parse(struct ipc_msg *m, struct ipc_adm_req *r, size_t *blen)
{
	uint32_t	n;

	if (m->type != IPC_ADM_REQ ||
	    ipc_get_str(m, r->op, sizeof(r->op)) == -1 ||
	    ipc_get_str(m, r->token, sizeof(r->token)) == -1 ||
	    ipc_get_str(m, r->actor, sizeof(r->actor)) == -1 ||
	    ipc_get_str(m, r->client, sizeof(r->client)) == -1 ||
	    ipc_get_u32(m, &r->scopes) == -1 ||
	    ipc_get_str(m, r->domain, sizeof(r->domain)) == -1 ||
	    ipc_get_str(m, r->arg, sizeof(r->arg)) == -1 ||
	    ipc_get_str(m, r->query, sizeof(r->query)) == -1 ||
	    ipc_get_str(m, r->idem_key, sizeof(r->idem_key)) == -1 ||
	    ipc_get_u32(m, &n) == -1 || ipc_get_end(m) == -1 ||
	    n > IPC_ADM_BODY_MAX)
		return -1;
	*blen = n;
	return 0;
}

int
ipc_adm_recv(int sock, struct ipc_msg *m, struct ipc_adm_req *r)
{
	size_t		 want = 0;
	uint64_t	 id;
	int		 rc;

	memset(r, 0, sizeof(*r));
	if ((rc = ipc_recv(sock, m)) != 1)
		return rc;
	if (m->fd != -1) {		/* never part of a request */
		close(m->fd);
		m->fd = -1;
	}
	id = m->id;
	if (adm_parse(m, r, &want) == -1 ||
	    (r->body = malloc(want + 1)) == NULL)
		return -2;
	while (r->body_len < want) {
		if ((rc = ipc_recv(sock, m)) != 1) {
			ipc_adm_clear(r);
			return rc;
		}
		if (m->fd != -1) {
			close(m->fd);
			m->fd = -1;
		}
		if (m->type != IPC_ADM_BODY || m->id != id ||
		    m->len > want - r->body_len) {
			ipc_adm_clear(r);
			m->id = id;
			return -2;
		}
		memcpy(r->body + r->body_len, m->data, m->len);
		r->body_len += m->len;
	}
	r->body[r->body_len] = '\0';
	return 1;
}

void
ipc_adm_clear(struct ipc_adm_req *r)
{
	if (r->body != NULL) {
		explicit_bzero(r->body, r->body_len);
		free(r->body);
	}
	explicit_bzero(r, sizeof(*r));
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
