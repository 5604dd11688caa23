/*
 * bounce_text: scanning the free text of a bounce or a pasted reply:
 * lines, the diagnostic replies in it ("550 5.1.1 ..." at the start of a
 * line or after ':', a quote, '(' or ';') and the line where the quoted
 * original message starts.  Pure; shared by the bounce parser
 * (bounce_parse.h) and `postern explain`.
 */
#ifndef POSTERN_BOUNCE_TEXT_H
#define POSTERN_BOUNCE_TEXT_H

#include <stddef.h>

struct reply;

/* The first needle in the n bytes at s, in any case; NULL if none. */
const char	*bounce_memcasestr(const char *s, size_t n, const char *needle);
/* s (n bytes) starts with prefix, in any case. */
int		 bounce_istarts(const char *s, size_t n, const char *prefix);
/* Index of the LF ending the line that starts at i (or n). */
size_t		 bounce_line_end(const char *s, size_t n, size_t i);
/* The first diagnostic in s; *len is what is left of s from there. */
const char	*bounce_find_diag(const char *s, size_t n, size_t *len);
/* The diagnostic at d and the rest of its paragraph, cleaned, to out. */
void		 bounce_diag_collect(const char *d, size_t n, char *out,
		    size_t outsz);
/* The (trimmed) line starts the quoted original message. */
int		 bounce_original_at(const char *s, size_t n);
/*
 * A parameter of a MIME header value ("boundary", "report-type"), quoted
 * or not, into out; 1 if found and it fits, else 0.
 */
int		 bounce_mime_param(const char *v, const char *name, char *out,
		    size_t outsz);
/* The remote reply a relay's diagnostic quotes (Amazon SES); 1 if any. */
int		 bounce_unwrap_relay(const char *d, char *out, size_t outsz);
/* A reply as typed, or the first diagnostic in free text.  0 or -1. */
int		 bounce_reply_parse(struct reply *, const char *s);

#endif
