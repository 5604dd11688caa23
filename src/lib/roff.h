/*
 * roff: text into man(7) source.  A backslash becomes \e, a minus sign
 * \-, and a line that would start with '.' or '\'' (a request) gets a
 * leading \& so it stays text.  Nothing else is interpreted; the caller
 * writes the requests (.TH, .SH, .TP) itself.
 */
#ifndef POSTERN_ROFF_H
#define POSTERN_ROFF_H

#include <stdio.h>

/* Write s escaped; a newline in s starts a new (guarded) line. */
void	roff_text(FILE *, const char *s);

/* roff_text of at most n bytes of s. */
void	roff_textn(FILE *, const char *s, size_t n);

#endif
