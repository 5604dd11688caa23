/*
 * reply: parse SMTP replies (RFC 5321 §4.2) as a client receives them,
 * and the enhanced status code that leads their text (RFC 3463, RFC
 * 2034).  Pure; shared by `postern check`, `postern explain`, the bounce
 * parser and (later) outbound delivery.
 */
#ifndef POSTERN_REPLY_H
#define POSTERN_REPLY_H

#include <stddef.h>

#define REPLY_TEXT_MAX	4096

struct reply {
	int	code;			/* 200..599, or 0 if none */
	char	enhanced[16];		/* "5.7.8" or "" */
	char	text[REPLY_TEXT_MAX];	/* lines' text joined with "\n",
					   enhanced code removed from the
					   first line (and from the others
					   when it is the same code) */
	size_t	nlines;
	int	complete;		/* the last line has been seen */
};

/*
 * Add one line (without CRLF) of a possibly multi-line reply.  Returns 1
 * when the reply is complete (a "NNN " or bare "NNN" line), 0 when more
 * lines follow ("NNN-"), -1 if the line is not a reply line or its code
 * differs from the first line's.
 */
int	reply_add_line(struct reply *, const char *line, size_t len);
void	reply_init(struct reply *);

/*
 * Parse a reply written by a person: "530", "550 5.7.26 text...",
 * "5.7.8", "550-5.7.1 a\n550 5.7.1 b".  0 or -1.
 */
int	reply_parse_text(struct reply *, const char *s);

/* Is s a well-formed enhanced status code "c.sss.ddd"? 1 or 0. */
int	reply_valid_enhanced(const char *s);

#endif
