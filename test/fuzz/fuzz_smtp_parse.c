/*
 * fuzz_smtp_parse: libFuzzer harness for the pure command parsers in
 * smtp_parse.c (smtp_cmd_split, smtp_parse_mail, smtp_parse_rcpt,
 * smtp_valid_helo, smtp_valid_domain, smtp_valid_utf8).
 *
 * The input is turned into what smtp_read_line() hands the parsers: a
 * NUL-terminated line without CR, LF or NUL, in a heap block of exactly
 * its size so ASan sees any read past the terminator.  Besides "no crash"
 * it checks the invariants the rest of the server relies on:
 *  - an accepted path is NUL-terminated, at most SMTP_ADDR_MAX octets, its
 *    '@' offset is inside it, and it holds no control character, space
 *    or '<'/'>' outside a quoted local part (it is written into the
 *    Received header and the envelope);
 *  - an accepted HELO argument holds no control character or space (it is
 *    written into the Received header);
 *  - smtp_cmd_split yields an upper-case verb of 1..SMTP_VERB_MAX letters
 *    and args inside the line.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/smtp_parse.h"

static void
check_path(const struct smtp_path *p)
{
	size_t	n = strnlen(p->addr, sizeof(p->addr));
	size_t	i;
	int	inq = 0;

	assert(n <= SMTP_ADDR_MAX);
	assert(p->at <= n);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p->addr[i];

		assert(c >= 0x20 && c != 0x7f);
		if (inq && c == '\\') {
			i++;	/* quoted-pair */
			continue;
		}
		if (c == '"')
			inq = !inq;
		if (!inq)
			assert(c != ' ' && c != '<' && c != '>');
	}
	if (p->at != 0)
		assert(p->addr[p->at] == '@');
}

static char *
dup_line(const uint8_t *data, size_t size, size_t max)
{
	char	*s;
	size_t	 i, n = 0;

	if (size > max)
		size = max;
	if ((s = malloc(size + 1)) == NULL)
		abort();
	for (i = 0; i < size; i++)
		if (data[i] != '\0' && data[i] != '\r' && data[i] != '\n')
			s[n++] = (char)data[i];
	s[n] = '\0';
	/* shrink to the exact size so over-reads hit the redzone */
	return realloc(s, n + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_path	 path;
	struct smtp_mail_params	 mp;
	struct smtp_rcpt_params	 rp;
	const char		*bad;
	char			*line, *copy, *verb, *args;
	size_t			 len, i;
	enum smtp_parse_err	 e;
	int			 utf8 = size > 0 && (data[0] & 1);

	/* 512 octets with CRLF (or 12288 for AUTH): the reader's bound */
	line = dup_line(data, size, 12286);
	len = strlen(line);

	/* the arguments as MAIL and RCPT see them */
	e = smtp_parse_mail(line, &path, &mp, &bad);
	if (e == SMTP_PARSE_OK) {
		check_path(&path);
		assert(mp.body == SMTP_BODY_NONE || mp.body == SMTP_BODY_7BIT ||
		    mp.body == SMTP_BODY_8BITMIME);
	} else if (e == SMTP_PARSE_PARAM_UNKNOWN ||
	    e == SMTP_PARSE_PARAM_SYNTAX) {
		assert(bad >= line && bad <= line + len);
	}
	e = smtp_parse_rcpt(line, utf8, &path, &rp, &bad);
	if (e == SMTP_PARSE_OK) {
		check_path(&path);
		assert(!path.null);
		assert(strlen(rp.orcpt) <= SMTP_ORCPT_MAX);
		if (!utf8)
			for (i = 0; path.addr[i]; i++)
				assert((unsigned char)path.addr[i] < 0x80);
	} else if (e == SMTP_PARSE_PARAM_UNKNOWN ||
	    e == SMTP_PARSE_PARAM_SYNTAX) {
		assert(bad >= line && bad <= line + len);
	}
	if (smtp_valid_helo(line)) {
		assert(len > 0 && len <= SMTP_DOMAIN_MAX);
		for (i = 0; i < len; i++)
			assert((unsigned char)line[i] > 0x20 &&
			    (unsigned char)line[i] != 0x7f);
	}
	(void)smtp_valid_domain(line);
	(void)smtp_valid_utf8(line, len);

	/* the whole line as smtp_dispatch sees it */
	copy = strdup(line);
	if (copy == NULL)
		abort();
	if (smtp_cmd_split(copy, &verb, &args) == 0) {
		size_t vl = strlen(verb);

		assert(vl >= 1 && vl <= SMTP_VERB_MAX);
		for (i = 0; i < vl; i++)
			assert(verb[i] >= 'A' && verb[i] <= 'Z');
		assert(args >= copy && args <= copy + len);
		if (strcmp(verb, "MAIL") == 0 &&
		    smtp_parse_mail(args, &path, &mp, &bad) == SMTP_PARSE_OK)
			check_path(&path);
		if (strcmp(verb, "RCPT") == 0 &&
		    smtp_parse_rcpt(args, utf8, &path, &rp,
		    &bad) == SMTP_PARSE_OK)
			check_path(&path);
		if ((strcmp(verb, "EHLO") == 0 || strcmp(verb, "HELO") == 0))
			(void)smtp_valid_helo(args);
	}
	free(copy);
	free(line);
	return 0;
}
