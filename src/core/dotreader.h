/*
 * dotreader: the DATA stream decoder (RFC 5321 §4.1.1.4, §4.5.2).
 * A byte-at-a-time state machine that survives arbitrary splits of its
 * input.  End of data is exactly <CRLF>.<CRLF>; a bare LF or bare CR never
 * ends the data and is recorded in flags (the session then rejects the
 * message with 550 5.6.11, see SMUGGLING in docs/PROTOCOL.md), so
 * <LF>.<LF>, <LF>.<CRLF> and <CR>.<CR> cannot split one submission into
 * two.  A leading dot is removed from every line (dot-unstuffing).  Output
 * is the unstuffed content with CRLF line ends, excluding the final
 * ".\r\n".  Lines longer than line_max octets on the wire (CRLF included,
 * 1000 per RFC 5321 §4.5.3.1.6) and content past size_max are flagged;
 * content past size_max is counted but no longer emitted.
 */
#ifndef POSTERN_DOTREADER_H
#define POSTERN_DOTREADER_H

#include <stddef.h>
#include <stdint.h>

enum dot_flag {
	DOT_BARE_LF		= 0x01,
	DOT_BARE_CR		= 0x02,
	DOT_LINE_TOO_LONG	= 0x04,
	DOT_TOO_BIG		= 0x08,
};

struct dotreader {
	int		state;
	size_t		linelen;	/* wire octets in the current line */
	size_t		line_max;
	uint64_t	size;		/* unstuffed octets emitted or counted */
	uint64_t	size_max;
	unsigned	flags;
};

void	dot_init(struct dotreader *, size_t line_max, uint64_t size_max);

/*
 * Feed inlen bytes.  Unstuffed output is written to out, which must hold
 * at least inlen + 2 bytes; *outlen receives the count.  *consumed receives
 * how many input bytes were used: all of them unless the end of data was
 * reached, in which case it counts up to and including the final LF and
 * the rest belongs to the next command (pipelining).  Returns 1 at end of
 * data, 0 if more input is needed.
 */
int	dot_feed(struct dotreader *, const char *in, size_t inlen,
	    char *out, size_t *outlen, size_t *consumed);

#endif
