/*
 * ipc: see ipc.h.  Wire format: struct ipc_hdr then the payload.  Fields
 * are u32/u64 in host order (both ends are the same binary) and strings
 * as u32 length + bytes without NUL.  A datagram whose size disagrees with
 * its header, that was truncated, or that carries more than one fd is
 * rejected and the fds it carried are closed.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/ipc.h"
#include "lib/log.h"
#include "lib/util.h"

struct ipc_hdr {
	uint32_t	type;
	uint32_t	len;
	uint64_t	id;
};

struct ipc_pending {
	TAILQ_ENTRY(ipc_pending) entry;
	struct ipc_hdr	hdr;
	int		fd;
	unsigned char	data[];
};

#define IPC_SENDMMSG	32	/* datagrams a sendmmsg(2) */

struct ipc_chan {
	int		 sock;
	char		 name[16];
	struct event	*ev_read;
	struct event	*ev_write;
	struct event	*ev_flush;	/* the sends of one loop turn */
	int		 flush_armed;
	ipc_dispatch_cb	 dispatch;
	ipc_close_cb	 on_close;
	void		*arg;
	TAILQ_HEAD(, ipc_pending) out;
};

static int	ipc_sendv(int, const struct ipc_hdr *, const void *, int);
static void	ipc_chan_read(evutil_socket_t, short, void *);
static void	ipc_chan_write(evutil_socket_t, short, void *);
static void	ipc_chan_flush(evutil_socket_t, short, void *);
static void	ipc_pending_free(struct ipc_chan *, struct ipc_pending *);

void
ipc_msg_init(struct ipc_msg *m, uint32_t type, uint64_t id)
{
	m->type = type;
	m->id = id;
	m->len = 0;
	m->pos = 0;
	m->fd = -1;
}

int
ipc_put_bytes(struct ipc_msg *m, const void *p, size_t n)
{
	if (n > sizeof(m->data) - m->len)
		return -1;
	memcpy(m->data + m->len, p, n);
	m->len += n;
	return 0;
}

int
ipc_put_u32(struct ipc_msg *m, uint32_t v)
{
	return ipc_put_bytes(m, &v, sizeof(v));
}

int
ipc_put_u64(struct ipc_msg *m, uint64_t v)
{
	return ipc_put_bytes(m, &v, sizeof(v));
}

int
ipc_put_str(struct ipc_msg *m, const char *s)
{
	size_t	n = strlen(s);

	if (n > UINT32_MAX || n + 4 > sizeof(m->data) - m->len)
		return -1;
	ipc_put_u32(m, (uint32_t)n);
	return ipc_put_bytes(m, s, n);
}

static int
ipc_get_bytes(struct ipc_msg *m, void *p, size_t n)
{
	if (n > m->len - m->pos)
		return -1;
	memcpy(p, m->data + m->pos, n);
	m->pos += n;
	return 0;
}

int
ipc_get_u32(struct ipc_msg *m, uint32_t *v)
{
	return ipc_get_bytes(m, v, sizeof(*v));
}

int
ipc_get_u64(struct ipc_msg *m, uint64_t *v)
{
	return ipc_get_bytes(m, v, sizeof(*v));
}

int
ipc_get_str(struct ipc_msg *m, char *dst, size_t dstsz)
{
	uint32_t	n;

	if (ipc_get_u32(m, &n) == -1 || n >= dstsz ||
	    ipc_get_bytes(m, dst, n) == -1)
		return -1;
	dst[n] = '\0';
	if (memchr(dst, '\0', n) != NULL)
		return -1;
	return 0;
}

int
ipc_get_end(struct ipc_msg *m)
{
	return m->pos == m->len ? 0 : -1;
}

static int
ipc_sendv(int sock, const struct ipc_hdr *h, const void *data, int fd)
{
	struct iovec	 iov[2];
	struct msghdr	 mh;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct cmsghdr	*c;
	ssize_t		 r;

	memset(&mh, 0, sizeof(mh));
	iov[0].iov_base = (void *)(uintptr_t)h;
	iov[0].iov_len = sizeof(*h);
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = h->len;
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	if (fd != -1) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do {
		r = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (r == -1 && errno == EINTR);
	return r == -1 ? -1 : 0;
}

int
ipc_send(int sock, const struct ipc_msg *m)
{
	struct ipc_hdr	h;

	h.type = m->type;
	h.len = (uint32_t)m->len;
	h.id = m->id;
	return ipc_sendv(sock, &h, m->data, m->fd);
}

int
ipc_recv(int sock, struct ipc_msg *m)
{
	struct ipc_hdr	 h;
	struct iovec	 iov[2];
	struct msghdr	 mh;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * 4)];
	} cm;
	struct cmsghdr	*c;
	ssize_t		 r;
	int		 nfds = 0, fds[4], i;

	memset(&mh, 0, sizeof(mh));
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = m->data;
	iov[1].iov_len = sizeof(m->data);
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	do {
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (r == -1 && errno == EINTR);
	if (r <= 0)
		return (int)r;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (i = 0; (size_t)i < (c->cmsg_len - CMSG_LEN(0)) /
		    sizeof(int) && nfds < 4; i++)
			memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int),
			    sizeof(int));
	}
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || nfds > 1 ||
	    (size_t)r < sizeof(h) || h.len != (size_t)r - sizeof(h) ||
	    h.type == 0 || h.type >= IPC_TYPE_MAX) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		errno = EBADMSG;
		return -1;
	}
	m->type = h.type;
	m->id = h.id;
	m->len = h.len;
	m->pos = 0;
	m->fd = nfds ? fds[0] : -1;
	return 1;
}

struct ipc_chan *
ipc_chan_new(struct event_base *base, int sock, const char *name,
    ipc_dispatch_cb dispatch, ipc_close_cb on_close, void *arg)
{
	struct ipc_chan	*ch;

	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		return NULL;
	ch->sock = sock;
	if (util_fd_nonblock(sock) == -1) {
		free(ch);
		return NULL;
	}
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	ch->dispatch = dispatch;
	ch->on_close = on_close;
	ch->arg = arg;
	TAILQ_INIT(&ch->out);
	ch->ev_read = event_new(base, sock, EV_READ | EV_PERSIST,
	    ipc_chan_read, ch);
	ch->ev_write = event_new(base, sock, EV_WRITE, ipc_chan_write, ch);
	ch->ev_flush = event_new(base, -1, 0, ipc_chan_flush, ch);
	if (ch->ev_read == NULL || ch->ev_write == NULL ||
	    ch->ev_flush == NULL ||
	    event_add(ch->ev_read, NULL) == -1) {
		ipc_chan_free(ch);
		return NULL;
	}
	return ch;
}

static void
ipc_chan_read(evutil_socket_t fd, short what, void *arg)
{
	struct ipc_chan	*ch = arg;
	static struct ipc_msg m;	/* single-threaded loop: reuse */
	int		 i, r;

	/* bounded batch so one busy peer cannot starve the loop */
	for (i = 0; i < 64; i++) {
		r = ipc_recv(fd, &m);
		if (r == 1) {
			ch->dispatch(&m, ch->arg);
			continue;
		}
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r == -1)
			log_warn("ipc %s: receive", ch->name);
		event_del(ch->ev_read);
		ch->on_close(ch->arg);
		return;
	}
}

/*
 * Everything queued, oldest first, IPC_SENDMMSG messages a system call
 * (sendmmsg(2): each still its own datagram, with its own descriptor).
 * A full socket leaves the rest for EV_WRITE; any other failure drops
 * the message it hit, logged, and goes on.
 */
static void
ipc_chan_write(evutil_socket_t fd, short what, void *arg)
{
	struct ipc_chan		*ch = arg;
	struct ipc_pending	*p, *batch[IPC_SENDMMSG];
	struct mmsghdr		 mm[IPC_SENDMMSG];
	struct iovec		 iov[IPC_SENDMMSG][2];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}			 cm[IPC_SENDMMSG];
	struct cmsghdr		*c;
	int			 n, i, r;

	while (!TAILQ_EMPTY(&ch->out)) {
		n = 0;
		TAILQ_FOREACH(p, &ch->out, entry) {
			if (n == IPC_SENDMMSG)
				break;
			memset(&mm[n], 0, sizeof(mm[n]));
			iov[n][0].iov_base = &p->hdr;
			iov[n][0].iov_len = sizeof(p->hdr);
			iov[n][1].iov_base = p->data;
			iov[n][1].iov_len = p->hdr.len;
			mm[n].msg_hdr.msg_iov = iov[n];
			mm[n].msg_hdr.msg_iovlen = 2;
			if (p->fd != -1) {
				memset(&cm[n], 0, sizeof(cm[n]));
				mm[n].msg_hdr.msg_control = cm[n].buf;
				mm[n].msg_hdr.msg_controllen =
				    sizeof(cm[n].buf);
				c = CMSG_FIRSTHDR(&mm[n].msg_hdr);
				c->cmsg_level = SOL_SOCKET;
				c->cmsg_type = SCM_RIGHTS;
				c->cmsg_len = CMSG_LEN(sizeof(int));
				memcpy(CMSG_DATA(c), &p->fd, sizeof(int));
			}
			batch[n++] = p;
		}
		do {
			r = sendmmsg(fd, mm, (unsigned)n, MSG_NOSIGNAL);
		} while (r == -1 && errno == EINTR);
		if (r == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS) {
				event_add(ch->ev_write, NULL);
				return;
			}
			log_warn("ipc %s: send", ch->name);
			r = 1;		/* the first one is dropped */
		}
		for (i = 0; i < r; i++)
			ipc_pending_free(ch, batch[i]);
	}
}

static void
ipc_pending_free(struct ipc_chan *ch, struct ipc_pending *p)
{
	TAILQ_REMOVE(&ch->out, p, entry);
	if (p->fd != -1)
		close(p->fd);
	explicit_bzero(p->data, p->hdr.len);	/* AUTH payloads */
	free(p);
}

/* The end of a loop turn: what its callbacks sent goes out together. */
static void
ipc_chan_flush(evutil_socket_t fd, short what, void *arg)
{
	struct ipc_chan	*ch = arg;

	ch->flush_armed = 0;
	ipc_chan_write(ch->sock, EV_WRITE, ch);
}

/*
 * Queued, and sent when the loop has run this turn's other callbacks:
 * a turn that answers many sessions sends their requests in one
 * sendmmsg, and wakes the peer once.  While a full socket waits for
 * EV_WRITE, the message simply queues behind.
 */
int
ipc_chan_send(struct ipc_chan *ch, const struct ipc_msg *m)
{
	struct ipc_pending	*p;
	int			 empty = TAILQ_EMPTY(&ch->out);

	if ((p = malloc(sizeof(*p) + m->len)) == NULL)
		return -1;
	p->hdr.type = m->type;
	p->hdr.len = (uint32_t)m->len;
	p->hdr.id = m->id;
	p->fd = m->fd;
	memcpy(p->data, m->data, m->len);
	TAILQ_INSERT_TAIL(&ch->out, p, entry);
	if (empty && !ch->flush_armed) {
		ch->flush_armed = 1;
		event_active(ch->ev_flush, 0, 1);
	}
	return 0;
}

void
ipc_chan_free(struct ipc_chan *ch)
{
	struct ipc_pending	*p;

	if (ch == NULL)
		return;
	/* what the last turn queued: once more, at best */
	if (!TAILQ_EMPTY(&ch->out))
		ipc_chan_write(ch->sock, EV_WRITE, ch);
	while ((p = TAILQ_FIRST(&ch->out)) != NULL) {
		TAILQ_REMOVE(&ch->out, p, entry);
		if (p->fd != -1)
			close(p->fd);
		explicit_bzero(p->data, p->hdr.len);
		free(p);
	}
	if (ch->ev_read)
		event_free(ch->ev_read);
	if (ch->ev_write)
		event_free(ch->ev_write);
	if (ch->ev_flush)
		event_free(ch->ev_flush);
	free(ch);
}
