/*
 * fuzz_http: libFuzzer harness for the admin listener's request head
 * parser (http_parse.c) and raw-target judge (http_path.c), the two
 * pieces that read HTTP from the network before anything else.
 *
 * Byte 0 picks the mode: even, the rest is a request head; odd, the rest
 * is a request target (and a query key).  Checks:
 *  1. any input: no crash, no read or write out of bounds (ASan);
 *  2. a head accepted (0) ends in CRLF CRLF, holds no NUL, has a method
 *     of token characters and a target of visible ASCII, and every field
 *     value it returns is inside the request's own copy;
 *  3. a target accepted has no "//", no "." or ".." segment, and no
 *     segment decodes to a string holding '/', '\' or a control byte --
 *     the properties the router relies on;
 *  4. judging the same target twice gives the same verdict (no state).
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/http_parse.h"
#include "lib/http_path.h"

static void
check_head(const uint8_t *data, size_t size)
{
	static struct http_req	r;
	size_t			i;

	if (http_parse_head(&r, (const char *)data, size) != 0)
		return;
	assert(size >= 4 && memcmp(data + size - 4, "\r\n\r\n", 4) == 0);
	assert(memchr(data, '\0', size) == NULL);
	assert(r.method[0] != '\0');
	for (i = 0; r.target[i] != '\0'; i++)
		assert(r.target[i] > 0x20 && r.target[i] < 0x7f);
	for (i = 0; i < r.nh; i++) {
		assert(r.h[i].name >= r.head &&
		    r.h[i].name < r.head + sizeof(r.head));
		assert(r.h[i].value >= r.head &&
		    r.h[i].value < r.head + sizeof(r.head));
	}
}

static void
check_path(const uint8_t *data, size_t size)
{
	static struct http_path	p, q;
	char			target[HTTP_PATH_MAX * 2 + 2], v[64];
	size_t			i, j;
	int			rc;

	if (size >= sizeof(target))
		size = sizeof(target) - 1;
	memcpy(target, data, size);
	target[size] = '\0';
	rc = http_path_parse(&p, target);
	assert(rc == http_path_parse(&q, target));
	(void)http_query_get(p.query != NULL ? p.query : "", "q", v,
	    sizeof(v));
	if (rc != 0)
		return;
	assert(strstr(p.raw, "//") == NULL);
	for (i = 0; i < p.nseg; i++) {
		assert(strcmp(p.seg[i], ".") != 0 && strcmp(p.seg[i], "..") != 0);
		for (j = 0; p.seg[i][j] != '\0'; j++)
			assert(p.seg[i][j] != '/' && p.seg[i][j] != '\\' &&
			    (unsigned char)p.seg[i][j] > 0x20 &&
			    (unsigned char)p.seg[i][j] < 0x7f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		check_head(data + 1, size - 1);
	else
		check_path(data + 1, size - 1);
	return 0;
}
