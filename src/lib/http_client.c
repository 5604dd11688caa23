/*
 * http_client: see http_client.h.  One easy handle per request: the
 * callers make a few hundred requests at most, one after the other, and
 * a fresh handle keeps no state (cookies, connections to a host whose
 * certificate was another) from one account to the next.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "lib/http_client.h"
#include "lib/util.h"

struct sink {
	struct http_response	*resp;
	int			 too_long;
};

static size_t	body_cb(char *, size_t, size_t, void *);
static size_t	header_cb(char *, size_t, size_t, void *);
static int	loopback_host(const char *);
static int	setup(CURL *, const struct http_request *, struct curl_slist **,
		    struct sink *, char *);

int
http_client_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void
http_client_cleanup(void)
{
	curl_global_cleanup();
}

/* 127.0.0.0/8, ::1 (bracketed or not) or localhost. */
static int
loopback_host(const char *h)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	char		 tmp[64];
	size_t		 n = strlen(h);

	if (strcasecmp(h, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, h, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']' && n - 2 < sizeof(tmp)) {
		memcpy(tmp, h + 1, n - 2);
		tmp[n - 2] = '\0';
		h = tmp;
	}
	return inet_pton(AF_INET6, h, &a6) == 1 &&
	    IN6_IS_ADDR_LOOPBACK(&a6);
}

int
http_url_allowed(const char *url)
{
	CURLU	*u;
	char	*scheme = NULL, *host = NULL;
	int	 ok = 0;

	if ((u = curl_url()) == NULL)
		return 0;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		ok = strcasecmp(scheme, "https") == 0 ||
		    (strcasecmp(scheme, "http") == 0 && loopback_host(host));
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

long
http_retry_after(const char *v, long now)
{
	char	*end;
	long	 n;
	time_t	 t;

	while (*v == ' ' || *v == '\t')
		v++;
	if (isdigit((unsigned char)*v)) {
		errno = 0;
		n = strtol(v, &end, 10);
		while (*end == ' ' || *end == '\t' || *end == '\r' ||
		    *end == '\n')
			end++;
		if (errno || *end != '\0')
			return -1;
		return n;
	}
	if ((t = curl_getdate(v, NULL)) == -1)
		return -1;
	return t > now ? (long)(t - now) : 0;
}

static size_t
body_cb(char *p, size_t size, size_t n, void *arg)
{
	struct sink	*s = arg;

	if (buf_append(&s->resp->body, p, n) == -1) {
		s->too_long = 1;
		return 0;		/* makes curl fail the transfer */
	}
	return n;
	(void)size;			/* always 1 (libcurl docs) */
}

/* Only Retry-After is kept; a header line is bounded by libcurl. */
static size_t
header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct sink	*s = arg;
	static const char name[] = "retry-after:";
	char		 v[128];
	size_t		 l = sizeof(name) - 1;

	if (n > l && n - l < sizeof(v) && strncasecmp(p, name, l) == 0) {
		memcpy(v, p + l, n - l);
		v[n - l] = '\0';
		s->resp->retry_after = http_retry_after(v, (long)time(NULL));
	}
	return n;
	(void)size;
}

static int
setup(CURL *c, const struct http_request *req, struct curl_slist **hl,
    struct sink *s, char *errbuf)
{
	struct curl_slist	*l;
	size_t			 i;

	for (i = 0; i < req->nheaders && i < HTTP_HEADERS_MAX; i++) {
		if ((l = curl_slist_append(*hl, req->headers[i])) == NULL)
			return -1;
		*hl = l;
	}
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)HTTP_CONNECT_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, req->timeout_s > 0 ?
	    req->timeout_s : (long)HTTP_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
	if (*hl != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hl);
	if (req->user_agent != NULL)
		curl_easy_setopt(c, CURLOPT_USERAGENT, req->user_agent);
	if (req->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, req->ca_file);
	if (req->body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req->bodylen);
	}
	if (strcmp(req->method, "GET") == 0)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	return 0;
}

int
http_request(const struct http_request *req, struct http_response *resp)
{
	struct sink		 s = { resp, 0 };
	struct curl_slist	*hl = NULL;
	char			 errbuf[CURL_ERROR_SIZE] = "";
	CURL			*c;
	CURLcode		 rc;

	memset(resp, 0, sizeof(*resp));
	buf_init(&resp->body, HTTP_BODY_MAX);
	resp->retry_after = -1;
	if (!http_url_allowed(req->url)) {
		util_strlcpy(resp->error, "refused: only https://, or http:// "
		    "to a loopback address", sizeof(resp->error));
		return -1;
	}
	if ((c = curl_easy_init()) == NULL || setup(c, req, &hl, &s,
	    errbuf) == -1) {
		util_strlcpy(resp->error, "out of memory", sizeof(resp->error));
		curl_slist_free_all(hl);
		curl_easy_cleanup(c);
		return -1;
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	else if (s.too_long)
		util_snprintf(resp->error, sizeof(resp->error), "the answer "
		    "is longer than %d bytes", HTTP_BODY_MAX);
	else
		util_snprintf(resp->error, sizeof(resp->error), "%s",
		    errbuf[0] ? errbuf : curl_easy_strerror(rc));
	resp->may_pass = rc == CURLE_COULDNT_CONNECT ||
	    rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_SEND_ERROR ||
	    rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING ||
	    rc == CURLE_PARTIAL_FILE;
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return rc == CURLE_OK && resp->status != 0 ? 0 : -1;
}

void
http_response_free(struct http_response *resp)
{
	buf_free(&resp->body);
}
