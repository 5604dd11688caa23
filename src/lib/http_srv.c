/*
 * http_srv: see http_srv.h.  One struct http_conn per accepted socket,
 * holding the exchange it is answering (a connection answers one request
 * at a time).  States: HEAD (reading a head), BODY (reading its body),
 * BUSY (the handler has it), WRITE (flushing the answer).  One timer per
 * connection is the deadline of the current phase.
 *
 * A connection that fails while BUSY cannot be freed: the handler will
 * still answer.  It is marked dead, its socket is closed at once, and
 * http_reply() frees it.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "lib/buf.h"
#include "lib/http_srv.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"

#define LISTENERS_MAX	8

enum conn_state { CONN_HEAD, CONN_BODY, CONN_BUSY, CONN_WRITE };

struct http_xchg {
	struct http_conn	*conn;
	struct http_req		 req;
	char			*body;		/* NUL-terminated, or NULL */
	size_t			 body_len;
	size_t			 body_max;
};

struct http_conn {
	struct http_srv		*srv;
	struct bufferevent	*bev;
	struct event		*timer;
	enum conn_state		 state;
	int			 dead;		/* failed while BUSY */
	int			 close_after;
	int			 tls;
	size_t			 scanned;	/* of the head, for CRLFCRLF */
	char			 client[64];
	struct http_xchg	 x;
};

struct http_srv {
	struct event_base	*base;
	struct http_srv_conf	 conf;
	struct evconnlistener	*ls[LISTENERS_MAX];
	size_t			 nls;
	size_t			 conns;
	int			 paused;	/* listeners off at the cap */
};

static void	 srv_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	 srv_pause(struct http_srv *, int);
static void	 conn_free(struct http_conn *);
static void	 conn_fail(struct http_conn *);
static void	 conn_deadline(struct http_conn *);
static void	 conn_read(struct bufferevent *, void *);
static void	 conn_write(struct bufferevent *, void *);
static void	 conn_event(struct bufferevent *, short, void *);
static void	 conn_timer(evutil_socket_t, short, void *);
static void	 conn_head(struct http_conn *);
static void	 conn_body(struct http_conn *);
static void	 conn_early(struct http_conn *, int status);
static void	 conn_next(struct http_conn *);
static int	 bare_lf(struct evbuffer *, size_t, size_t);

struct http_srv *
http_srv_new(struct event_base *base, const struct http_srv_conf *conf)
{
	struct http_srv	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->base = base;
	s->conf = *conf;
	return s;
}

int
http_srv_listen(struct http_srv *s, int fd)
{
	struct evconnlistener	*l;

	if (s->nls == LISTENERS_MAX)
		return -1;
	if (util_fd_nonblock(fd) == -1 || (l = evconnlistener_new(s->base,
	    srv_accept, s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1,
	    fd)) == NULL)
		return -1;
	s->ls[s->nls++] = l;
	if (s->paused)
		evconnlistener_disable(l);
	return 0;
}

void
http_srv_free(struct http_srv *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nls; i++)
		evconnlistener_free(s->ls[i]);
	free(s);
}

size_t
http_srv_conns(const struct http_srv *s)
{
	return s->conns;
}

static void
srv_pause(struct http_srv *s, int pause)
{
	size_t	i;

	if (s->paused == pause)
		return;
	s->paused = pause;
	for (i = 0; i < s->nls; i++)
		if (pause)
			evconnlistener_disable(s->ls[i]);
		else
			evconnlistener_enable(s->ls[i]);
}

static void
srv_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct http_srv		*s = arg;
	struct http_conn	*c;
	SSL			*ssl = NULL;
	int			 one = 1;

	(void)l;
	(void)salen;
	/* An answer goes out whole, in one write: Nagle would hold its last
	   segment for the client's delayed ACK (40 ms on Linux). */
	if (sa->sa_family != AF_UNIX)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->timer = evtimer_new(s->base, conn_timer, c)) == NULL ||
	    (s->conf.tls != NULL && (ssl = SSL_new(s->conf.tls)) == NULL)) {
		log_warnx("http: out of memory for a connection");
		if (c != NULL && c->timer != NULL)
			event_free(c->timer);
		free(c);
		close(fd);
		return;
	}
	c->srv = s;
	c->tls = ssl != NULL;
	util_addr_str(sa, c->client, sizeof(c->client));
	c->bev = ssl != NULL ? bufferevent_openssl_socket_new(s->base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE) :
	    bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {	/* libevent freed the SSL and the fd */
		event_free(c->timer);
		free(c);
		return;
	}
	if (ssl != NULL)
		bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	s->conns++;
	if (s->conns >= s->conf.max_conns)
		srv_pause(s, 1);
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->state = CONN_HEAD;
	conn_deadline(c);
}

static void
conn_free(struct http_conn *c)
{
	struct http_srv	*s = c->srv;

	if (c->bev != NULL)
		bufferevent_free(c->bev);
	event_free(c->timer);
	free(c->x.body);
	free(c);
	s->conns--;
	if (s->conns < s->conf.max_conns)
		srv_pause(s, 0);
}

/* The connection cannot go on: free it, or leave it to http_reply. */
static void
conn_fail(struct http_conn *c)
{
	if (c->state != CONN_BUSY) {
		conn_free(c);
		return;
	}
	c->dead = 1;
	evtimer_del(c->timer);
	bufferevent_free(c->bev);
	c->bev = NULL;
}

static void
conn_deadline(struct http_conn *c)
{
	struct timeval	tv;

	tv.tv_sec = c->srv->conf.timeout_ms / 1000;
	tv.tv_usec = (c->srv->conf.timeout_ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
}

static void
conn_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct http_conn	*c = arg;

	(void)fd;
	(void)ev;
	if (c->state == CONN_HEAD && evbuffer_get_length(
	    bufferevent_get_input(c->bev)) == 0) {
		conn_free(c);		/* idle: nothing to answer */
		return;
	}
	if (c->state == CONN_HEAD || c->state == CONN_BODY) {
		conn_early(c, 408);
		return;
	}
	conn_free(c);			/* a reader too slow for the answer */
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & BEV_EVENT_CONNECTED)	/* the TLS handshake is done */
		return;
	conn_fail(arg);		/* EOF, error or TLS failure alike */
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct http_conn	*c = arg;

	(void)bev;
	if (c->state == CONN_HEAD)
		conn_head(c);
	else if (c->state == CONN_BODY)
		conn_body(c);
}

static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct http_conn	*c = arg;

	(void)bev;
	if (c->state != CONN_WRITE)
		return;
	if (c->close_after) {
		conn_free(c);
		return;
	}
	conn_next(c);
}

/* Answer before the handler saw the request (400, 408, 413...), close. */
static void
conn_early(struct http_conn *c, int status)
{
	char	body[96];
	int	n;

	n = snprintf(body, sizeof(body), "%d %s\n", status,
	    http_reason(status));
	c->x.req.method[0] = '\0';	/* not HEAD: the body goes out */
	c->state = CONN_BUSY;
	http_reply(&c->x, status, "text/plain; charset=utf-8", NULL, body,
	    (size_t)n, 1);
}

/*
 * A LF not after a CR in bytes [from, len) of a head still incomplete:
 * such a head can never end in CRLF CRLF, so it is refused at once
 * rather than left to time out.  len is at most HTTP_HEAD_MAX.
 */
static int
bare_lf(struct evbuffer *in, size_t from, size_t len)
{
	const char	*p = (const char *)evbuffer_pullup(in, (ev_ssize_t)len);
	size_t		 i;

	for (i = from; p != NULL && i < len; i++)
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			return 1;
	return 0;
}

static void
conn_head(struct http_conn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct evbuffer_ptr	 pos;
	size_t			 len = evbuffer_get_length(in), hl;
	unsigned char		*p;
	const char		*expect;
	int			 status;

	if (evbuffer_ptr_set(in, &pos, c->scanned, EVBUFFER_PTR_SET) == -1)
		return;
	pos = evbuffer_search(in, "\r\n\r\n", 4, &pos);
	if (pos.pos == -1) {
		if (len > HTTP_HEAD_MAX) {
			conn_early(c, 431);
			return;
		}
		if (bare_lf(in, c->scanned, len)) {
			conn_early(c, 400);	/* it would never end */
			return;
		}
		c->scanned = len > 3 ? len - 3 : 0;
		return;
	}
	hl = (size_t)pos.pos + 4;
	if (hl > HTTP_HEAD_MAX) {
		conn_early(c, 431);
		return;
	}
	p = evbuffer_pullup(in, (ev_ssize_t)hl);
	status = http_parse_head(&c->x.req, (const char *)p, hl);
	evbuffer_drain(in, hl);
	if (status != 0) {
		conn_early(c, status);
		return;
	}
	c->x.body_max = c->srv->conf.on_head != NULL ?
	    c->srv->conf.on_head(&c->x.req, c->srv->conf.arg) : 0;
	if (c->x.body_max == 0)
		c->x.body_max = c->srv->conf.body_max;
	if (c->x.req.content_length > (int64_t)c->x.body_max) {
		conn_early(c, 413);
		return;
	}
	c->state = CONN_BODY;
	conn_deadline(c);
	expect = http_req_header(&c->x.req, "Expect");
	if (c->x.req.content_length > 0 && c->x.req.minor >= 1 &&
	    expect != NULL && strcasecmp(expect, "100-continue") == 0)
		bufferevent_write(c->bev, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	conn_body(c);
}

static void
conn_body(struct http_conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	size_t		 want = c->x.req.content_length > 0 ?
			    (size_t)c->x.req.content_length : 0;

	if (evbuffer_get_length(in) < want)
		return;
	free(c->x.body);
	if ((c->x.body = malloc(want + 1)) == NULL) {
		conn_early(c, 503);
		return;
	}
	evbuffer_remove(in, c->x.body, want);
	c->x.body[want] = '\0';
	c->x.body_len = want;
	c->state = CONN_BUSY;
	evtimer_del(c->timer);
	bufferevent_disable(c->bev, EV_READ);
	c->x.conn = c;
	c->srv->conf.on_request(&c->x, c->srv->conf.arg);
}

/* The answer is out: read the next request, maybe already buffered. */
static void
conn_next(struct http_conn *c)
{
	free(c->x.body);
	c->x.body = NULL;
	c->x.body_len = 0;
	c->scanned = 0;
	c->state = CONN_HEAD;
	conn_deadline(c);
	bufferevent_enable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		conn_head(c);
}

void
http_reply(struct http_xchg *x, int status, const char *ctype,
    const char *extra, const void *body, size_t len, int close_after)
{
	struct http_conn	*c = (struct http_conn *)((char *)x -
				    offsetof(struct http_conn, x));
	struct evbuffer		*out;

	if (c->dead) {
		conn_free(c);
		return;
	}
	if (c->state != CONN_BUSY)
		fatalx("http_reply: no request waits for an answer");
	c->close_after = close_after || !c->x.req.keep_alive;
	out = bufferevent_get_output(c->bev);
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n", status,
	    http_reason(status));
	if (ctype != NULL)
		evbuffer_add_printf(out, "Content-Type: %s\r\n", ctype);
	/* 204 and 304 have neither a body nor its length (RFC 9110) */
	if (status != 204 && status != 304)
		evbuffer_add_printf(out, "Content-Length: %zu\r\n", len);
	else
		len = 0;
	evbuffer_add_printf(out, "%s%s\r\n", extra != NULL ? extra : "",
	    c->close_after ? "Connection: close\r\n" : "");
	if (strcmp(c->x.req.method, "HEAD") != 0 && len > 0)
		evbuffer_add(out, body, len);
	c->state = CONN_WRITE;
	bufferevent_disable(c->bev, EV_READ);
	conn_deadline(c);
}

const struct http_req *
http_xchg_req(const struct http_xchg *x)
{
	return &x->req;
}

const char *
http_xchg_body(const struct http_xchg *x, size_t *len)
{
	*len = x->body_len;
	return x->body != NULL ? x->body : "";
}

const char *
http_xchg_client(const struct http_xchg *x)
{
	return x->conn->client;
}

int
http_xchg_tls(const struct http_xchg *x)
{
	return x->conn->tls;
}

const char *
http_reason(int status)
{
	static const struct { int code; const char *text; } t[] = {
		{ 200, "OK" }, { 201, "Created" }, { 204, "No Content" },
		{ 302, "Found" }, { 304, "Not Modified" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 408, "Request Timeout" },
		{ 409, "Conflict" }, { 413, "Content Too Large" },
		{ 415, "Unsupported Media Type" },
		{ 421, "Misdirected Request" }, { 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
		{ 505, "HTTP Version Not Supported" },
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].code == status)
			return t[i].text;
	return "Unknown";
}

int
http_problem(struct buf *b, int status, const char *detail, const char *fix)
{
	struct json	j;

	buf_reset(b);
	json_init(&j, b);
	json_obj_begin(&j);
	json_kstr(&j, "type", "about:blank");
	json_kstr(&j, "title", http_reason(status));
	json_kint(&j, "status", status);
	if (detail != NULL)
		json_kstr(&j, "detail", detail);
	if (fix != NULL)
		json_kstr(&j, "fix", fix);
	json_obj_end(&j);
	(void)json_finish(&j);
	(void)buf_appends(b, "\n");
	return status;
}
